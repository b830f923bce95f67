import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { relaySse, type StreamOutcome } from '../../../gateways/router/sse-relay.ts'

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices, ...extra })}\n\n`
const content = (text: string) => chunk([{ index: 0, delta: { content: text }, finish_reason: null }])
const usage = chunk([], { usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } })

async function relay(parts: string[], wantsUsage: boolean) {
  const outcome: StreamOutcome = { usage: null, content_chars: 0, completed: false, error: null }
  const out: string[] = []
  for await (const event of relaySse(Readable.from(parts.map((p) => Buffer.from(p))), wantsUsage, outcome)) {
    out.push(event)
  }
  return { out: out.join(''), outcome }
}

describe('SSE relay', () => {
  it('relays every event byte for byte and reads the usage chunk', async () => {
    const stream = [content('Hello '), content('world'), usage, 'data: [DONE]\n\n']
    const { out, outcome } = await relay(stream, true)
    expect(out).toBe(stream.join(''))
    expect(outcome).toMatchObject({
      usage: { prompt_tokens: 7, completion_tokens: 3 },
      completed: true,
      error: null,
    })
    expect(outcome.content_chars).toBe('Hello world'.length)
  })

  it('drops the usage chunk the router asked for when the client did not', async () => {
    const { out, outcome } = await relay([content('Hi'), usage, 'data: [DONE]\n\n'], false)
    expect(out).toBe(`${content('Hi')}data: [DONE]\n\n`)
    expect(outcome.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3 })
  })

  it('reassembles events split across network reads', async () => {
    const whole = `${content('split')}data: [DONE]\n\n`
    const { out, outcome } = await relay([whole.slice(0, 9), whole.slice(9, 30), whole.slice(30)], true)
    expect(out).toBe(whole)
    expect(outcome.completed).toBe(true)
  })

  it('ends a truncated stream with an in-band error event', async () => {
    const { out, outcome } = await relay([content('partial')], true)
    expect(outcome.completed).toBe(false)
    expect(outcome.error).toMatch(/ended before/)
    const last = out.trim().split('\n\n').at(-1) ?? ''
    expect(JSON.parse(last.replace(/^data: /, ''))).toMatchObject({ error: { code: 'backend_error' } })
  })
})
