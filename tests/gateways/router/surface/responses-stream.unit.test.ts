import { describe, expect, it } from 'vitest'
import { readResponsesEvent } from '../../../../gateways/router/responses-stream.ts'
import { carriesContent, isErrorEvent } from '../../../../gateways/router/sse-relay.ts'

// How the relay reads a Responses API event: its bytes unchanged, its meaning as a chat chunk.
const event = (type: string, fields: Record<string, unknown> = {}) => {
  const data = JSON.stringify({ type, ...fields })
  return { raw: `event: ${type}\ndata: ${data}\n\n`, data }
}

describe('reading a Responses stream', () => {
  it('events before any output are preamble: held, not content, not errors', () => {
    for (const type of ['response.created', 'response.in_progress', 'response.output_item.added']) {
      const [read, ...rest] = readResponsesEvent(event(type, { response: {} }))
      expect(rest).toEqual([])
      expect(read?.raw).toBe(event(type, { response: {} }).raw)
      expect(read && (carriesContent(read) || isErrorEvent(read))).toBe(false)
    }
  })

  it('a text or function-call delta is content', () => {
    for (const type of ['response.output_text.delta', 'response.function_call_arguments.delta']) {
      const [read] = readResponsesEvent(event(type, { delta: 'x' }))
      expect(read && carriesContent(read)).toBe(true)
    }
  })

  it('completed and incomplete carry the usage, then end the stream ([DONE], nothing sent for it)', () => {
    const usage = { input_tokens: 5, output_tokens: 9 }
    for (const type of ['response.completed', 'response.incomplete']) {
      const reads = readResponsesEvent(event(type, { response: { usage } }))
      expect(reads.map((r) => r.data)).toEqual([
        JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 9 } }),
        '[DONE]',
      ])
      expect(reads[1]?.raw).toBe('')
    }
  })

  it('response.failed and error are errors (before content, another backend is tried)', () => {
    for (const type of ['response.failed', 'error']) {
      const [read] = readResponsesEvent(event(type, { response: {} }))
      expect(read && isErrorEvent(read)).toBe(true)
    }
  })
})
