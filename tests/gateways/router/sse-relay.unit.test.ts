import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  carriesContent,
  relayEvents,
  relaySse,
  type StreamOutcome,
} from '../../../gateways/router/sse-relay.ts'

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

  it('keeps a multi-byte character whole when a network read ends inside it, at every byte offset', async () => {
    const text = 'é€😀 ok'
    const whole = Buffer.from(`${content(text)}data: [DONE]\n\n`)
    for (let at = 1; at < whole.length; at++) {
      const outcome: StreamOutcome = { usage: null, content_chars: 0, completed: false, error: null }
      const out: string[] = []
      const reads = Readable.from([whole.subarray(0, at), whole.subarray(at)])
      for await (const event of relaySse(reads, true, outcome)) out.push(event)
      expect(out.join(''), `split at byte ${at}`).toBe(whole.toString('utf8'))
      expect(outcome.content_chars).toBe(text.length)
    }
  })

  it('ends a truncated stream with an in-band error event', async () => {
    const { out, outcome } = await relay([content('partial')], true)
    expect(outcome.completed).toBe(false)
    expect(outcome.error).toMatch(/ended before/)
    const last = out.trim().split('\n\n').at(-1) ?? ''
    expect(JSON.parse(last.replace(/^data: /, ''))).toMatchObject({ error: { code: 'backend_error' } })
  })
})

describe('the preamble of a stream', () => {
  const event = (data: unknown) => {
    const text = typeof data === 'string' ? data : JSON.stringify(data)
    return { raw: `data: ${text}\n\n`, data: text }
  }
  const delta = (d: Record<string, unknown>, finish_reason: string | null = null) =>
    event({ choices: [{ index: 0, delta: d, finish_reason }] })

  it('role-only deltas, empty content and usage-less empty chunks are preamble, held back', () => {
    expect(carriesContent(delta({ role: 'assistant', content: '' }))).toBe(false)
    expect(carriesContent(delta({ role: 'assistant' }))).toBe(false)
    expect(carriesContent(event({ choices: [] }))).toBe(false)
    expect(carriesContent(event('[DONE]'))).toBe(false)
  })

  it('text, a tool call, a refusal, a finish reason or an error carry content: the hold ends there', () => {
    expect(carriesContent(delta({ content: 'Hi' }))).toBe(true)
    expect(carriesContent(delta({ tool_calls: [{ index: 0, id: 'c', function: { name: 'f' } }] }))).toBe(true)
    expect(carriesContent(delta({ refusal: 'no' }))).toBe(true)
    expect(carriesContent(delta({}, 'stop'))).toBe(true)
    expect(carriesContent(event({ error: { message: 'x' } }))).toBe(true)
  })

  it('a held preamble is relayed first, unchanged, then the rest of the stream', async () => {
    const held = [delta({ role: 'assistant', content: '' })]
    const rest = [delta({ content: 'Hi' }), event('[DONE]')]
    const outcome: StreamOutcome = { usage: null, content_chars: 0, completed: false, error: null }
    const out: string[] = []
    async function* events() {
      yield* rest
    }
    for await (const piece of relayEvents(held, events(), true, outcome)) out.push(piece)
    expect(out).toEqual([...held, ...rest].map((e) => e.raw))
    expect(outcome).toMatchObject({ completed: true, content_chars: 2 })
  })
})
