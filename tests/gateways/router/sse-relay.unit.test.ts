import { Readable } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  carriesContent,
  quickTextLength,
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

describe('the relay per network read', () => {
  it('writes the events of one read together, and each later read as it comes', async () => {
    const first = `${content('a')}${content('b')}${content('c')}`
    const { out } = await relayReads([first, `${content('d')}data: [DONE]\n\n`], true)
    expect(out).toEqual([first, `${content('d')}data: [DONE]\n\n`])
  })

  it('drops a usage chunk the client did not ask for from the middle of a read', async () => {
    const { out, outcome } = await relayReads([`${content('a')}${usage}data: [DONE]\n\n`], false)
    expect(out).toEqual([`${content('a')}data: [DONE]\n\n`])
    expect(outcome.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3 })
  })

  it('an error inside a read ends the stream after what came before it, with the in-band error', async () => {
    const error = `data: ${JSON.stringify({ error: { message: 'upstream host x.internal' } })}\n\n`
    const { out, outcome } = await relayReads([`${content('a')}${error}${content('b')}`], true)
    expect(out).toHaveLength(1)
    expect(out[0]?.startsWith(content('a'))).toBe(true)
    expect(out[0]).not.toContain('x.internal')
    expect(out[0]).not.toContain(content('b'))
    expect(outcome).toMatchObject({ completed: false, content_chars: 1 })
  })
})

async function relayReads(reads: string[], wantsUsage: boolean) {
  const outcome: StreamOutcome = { usage: null, content_chars: 0, completed: false, error: null }
  const out: string[] = []
  for await (const piece of relaySse(Readable.from(reads.map((r) => Buffer.from(r))), wantsUsage, outcome))
    out.push(piece)
  return { out, outcome }
}

describe('reading a chunk’s text without a parse', () => {
  /** What the parse counts (inspect): each choice's delta.content, else its text, when a string. */
  const parsedLength = (data: string) =>
    (JSON.parse(data) as { choices: { delta?: { content?: unknown }; text?: unknown }[] }).choices.reduce(
      (sum, choice) => {
        const text = choice.delta?.content ?? choice.text
        return sum + (typeof text === 'string' ? text.length : 0)
      },
      0,
    )
  // Any text, and texts that look like the keys the quick reading looks for.
  const text = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.constantFrom('"content": "x"', '{"text":null}', '\\', '\\"', 'null', '"usage"'),
  )
  const chatChoice = fc.record(
    {
      index: fc.nat(3),
      delta: fc.record(
        { role: fc.constant('assistant'), content: fc.option(text), refusal: fc.option(text) },
        { requiredKeys: [] },
      ),
      finish_reason: fc.option(fc.constantFrom('stop', 'length')),
      logprobs: fc.option(fc.record({ content: fc.array(fc.record({ token: text })) })),
    },
    { requiredKeys: ['index', 'delta'] },
  )
  const textChoice = fc.record({ index: fc.nat(3), text: fc.option(text), finish_reason: fc.constant(null) })
  const chunk = fc.record(
    {
      id: text,
      object: fc.constantFrom('chat.completion.chunk', 'text_completion'),
      choices: fc.array(fc.oneof(chatChoice, textChoice), { maxLength: 3 }),
      // OpenAI's every chunk when usage was asked for.
      usage: fc.constant(null),
    },
    { requiredKeys: ['id', 'object', 'choices'] },
  )

  it('counts what the parse counts whenever it answers (any text, escapes, spacing)', () => {
    fc.assert(
      fc.property(chunk, fc.boolean(), (value, spaced) => {
        const data = spaced ? JSON.stringify(value, null, 1) : JSON.stringify(value)
        const quick = quickTextLength(data)
        if (quick !== null) expect(quick).toBe(parsedLength(data))
      }),
      { numRuns: 2000 },
    )
  })

  it('answers for the plain chunks a model streams, and leaves usage and errors to the parse', () => {
    const plain = JSON.stringify({
      choices: [{ index: 0, delta: { content: 'é😀\n"x"' }, finish_reason: null }],
    })
    expect(quickTextLength(plain)).toBe('é😀\n"x"'.length)
    expect(
      quickTextLength(JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })),
    ).toBe(0)
    expect(quickTextLength(JSON.stringify({ choices: [], usage: { prompt_tokens: 1 } }))).toBeNull()
    expect(quickTextLength(JSON.stringify({ error: { message: 'x' } }))).toBeNull()
  })
})
