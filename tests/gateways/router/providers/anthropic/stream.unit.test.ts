import { describe, expect, it } from 'vitest'
import {
  type ChatChunkEvent,
  createStreamTranslator,
} from '../../../../../gateways/router/providers/anthropic/stream.ts'

// Event sequences in the shape the Messages API streams them (its streaming reference).
const start = (usage: Record<string, number> = { input_tokens: 25, output_tokens: 1 }) => ({
  type: 'message_start',
  message: {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage,
  },
})
const textStart = (index: number) => ({
  type: 'content_block_start',
  index,
  content_block: { type: 'text', text: '' },
})
const text = (index: number, t: string) => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'text_delta', text: t },
})
const toolStart = (index: number, id: string, name: string) => ({
  type: 'content_block_start',
  index,
  content_block: { type: 'tool_use', id, name, input: {} },
})
const json = (index: number, partial_json: string) => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'input_json_delta', partial_json },
})
const stop = (index: number) => ({ type: 'content_block_stop', index })
const messageDelta = (stop_reason: string, usage: Record<string, number>) => ({
  type: 'message_delta',
  delta: { stop_reason, stop_sequence: null },
  usage,
})

function run(events: object[]): ChatChunkEvent[] {
  const translator = createStreamTranslator({ created: 1_700_000_000, secrets: ['sk-ant-key'] })
  return events.flatMap((event) => translator.push(JSON.stringify(event)))
}

type Chunk = { choices: { delta: Record<string, unknown>; finish_reason: string | null }[]; usage?: unknown }
const chunks = (out: ChatChunkEvent[]) =>
  out.flatMap((e) => (e.kind === 'chunk' ? [e.chunk as unknown as Chunk] : []))
const deltas = (out: ChatChunkEvent[]) => chunks(out).flatMap((c) => c.choices.map((choice) => choice.delta))

describe('Anthropic stream → OpenAI chunks', () => {
  it('a text answer: role first, content deltas, finish reason, usage, done', () => {
    const out = run([
      start(),
      { type: 'ping' },
      textStart(0),
      text(0, 'Hello'),
      text(0, ', world'),
      stop(0),
      messageDelta('end_turn', { output_tokens: 15 }),
      { type: 'message_stop' },
    ])
    expect(deltas(out)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hello' },
      { content: ', world' },
      {},
    ])
    const all = chunks(out)
    expect(all.at(-2)?.choices[0]?.finish_reason).toBe('stop')
    expect(all.at(-1)).toMatchObject({
      id: 'chatcmpl-msg_01',
      object: 'chat.completion.chunk',
      model: 'claude-sonnet-4-5',
      choices: [],
      usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 },
    })
    expect(out.at(-1)).toEqual({ kind: 'done' })
  })

  it('tool calls: index, id and name first, then argument fragments, finish reason tool_calls', () => {
    const out = run([
      start(),
      textStart(0),
      text(0, 'Let me check.'),
      stop(0),
      toolStart(1, 'toolu_a', 'weather'),
      json(1, ''),
      json(1, '{"city": '),
      json(1, '"Paris"}'),
      stop(1),
      toolStart(2, 'toolu_b', 'time'),
      json(2, '{}'),
      stop(2),
      messageDelta('tool_use', { output_tokens: 40 }),
      { type: 'message_stop' },
    ])
    const calls = deltas(out).flatMap((d) => (Array.isArray(d.tool_calls) ? d.tool_calls : []))
    expect(calls).toEqual([
      { index: 0, id: 'toolu_a', type: 'function', function: { name: 'weather', arguments: '' } },
      { index: 0, function: { arguments: '{"city": ' } },
      { index: 0, function: { arguments: '"Paris"}' } },
      { index: 1, id: 'toolu_b', type: 'function', function: { name: 'time', arguments: '' } },
      { index: 1, function: { arguments: '{}' } },
    ])
    const args = calls
      .filter((c) => c.index === 0)
      .map((c) => c.function.arguments)
      .join('')
    expect(JSON.parse(args)).toEqual({ city: 'Paris' })
    expect(chunks(out).at(-2)?.choices[0]?.finish_reason).toBe('tool_calls')
  })

  it('takes the latest usage counts of message_delta, cache tokens included in prompt_tokens', () => {
    const out = run([
      start({ input_tokens: 5, cache_read_input_tokens: 100, output_tokens: 1 }),
      textStart(0),
      text(0, 'x'),
      messageDelta('max_tokens', { output_tokens: 9, cache_creation_input_tokens: 50 }),
      { type: 'message_stop' },
    ])
    expect(chunks(out).at(-1)?.usage).toEqual({
      prompt_tokens: 155,
      completion_tokens: 9,
      total_tokens: 164,
      prompt_tokens_details: { cached_tokens: 100 },
    })
    expect(chunks(out).at(-2)?.choices[0]?.finish_reason).toBe('length')
  })

  it('an error event mid-stream ends it with a failure and no done; later events are ignored', () => {
    const out = run([
      start(),
      textStart(0),
      text(0, 'Partial'),
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      text(0, ' more'),
      { type: 'message_stop' },
    ])
    expect(deltas(out)).toEqual([{ role: 'assistant', content: '' }, { content: 'Partial' }])
    const last = out.at(-1)
    expect(last?.kind === 'failed' && last.failure.error.code).toBe('BACKEND_OVERLOADED')
    expect(out.some((e) => e.kind === 'done')).toBe(false)
  })

  it('skips pings, thinking blocks and event types it does not know', () => {
    const out = run([
      start(),
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      stop(0),
      { type: 'brand_new_event', detail: 1 },
      textStart(1),
      text(1, 'Yes'),
      messageDelta('end_turn', { output_tokens: 2 }),
      { type: 'message_stop' },
    ])
    expect(deltas(out)).toEqual([{ role: 'assistant', content: '' }, { content: 'Yes' }, {}])
  })

  it('a JSON response_format: the forced tool input streams as content, finish_reason stop', () => {
    const out = run([
      start(),
      toolStart(0, 'toolu_j', 'aiaas_json_output'),
      json(0, '{"city"'),
      json(0, ': "Oslo"}'),
      stop(0),
      messageDelta('tool_use', { output_tokens: 8 }),
      { type: 'message_stop' },
    ])
    expect(deltas(out)).toEqual([
      { role: 'assistant', content: '' },
      { content: '{"city"' },
      { content: ': "Oslo"}' },
      {},
    ])
    expect(chunks(out).at(-2)?.choices[0]?.finish_reason).toBe('stop')
  })

  it('a malformed event fails the stream', () => {
    const translator = createStreamTranslator({ created: 1, secrets: [] })
    translator.push(JSON.stringify(start()))
    const out = translator.push('{not json')
    expect(out).toHaveLength(1)
    expect(out[0]?.kind).toBe('failed')
    expect(translator.ended).toBe(true)
  })
})
