import { fromStreamError, type ProviderFailure } from './errors.ts'
import { JSON_OUTPUT_TOOL } from './json-output.ts'
import { chatUsage, finishReason } from './outcome.ts'
import { type ChunkOut, choiceChunk, chunk, emit, type StreamState } from './stream-chunks.ts'
import { parseBlockStart, parseDelta, parseStreamEvent, type StreamEvent } from './stream-events.ts'
import { anthropicUsage } from './wire.ts'

// Anthropic's stream events → OpenAI chat.completion.chunk events, fed one event at a time
// (pure: the caller reads the bytes). What comes out, in order: a role chunk, content and
// tool-call chunks, one chunk with the finish reason, one usage chunk (always: the router reads
// usage from it and drops it for a client that did not ask), then done. An `error` event ends
// the stream with a failure and no done: content may already have been sent, so it is not
// replayed (docs/routing.md).

export type ChatChunkEvent = ChunkOut | { kind: 'failed'; failure: ProviderFailure } | { kind: 'done' }

export interface StreamContext {
  /** Unix seconds of the answer (OpenAI's `created`). */
  created: number
  /** Secrets the provider might echo in an error message. */
  secrets: readonly string[]
}

export interface StreamTranslator {
  push(data: string): ChatChunkEvent[]
  /** Whether the stream ended (done or failed); later events are ignored. */
  readonly ended: boolean
}

function blockStart(state: StreamState, index: number, raw: unknown): ChatChunkEvent[] {
  const block = parseBlockStart(raw)
  if (!block.success) {
    state.blocks.set(index, { kind: 'skipped' })
    return []
  }
  if (block.data.type === 'text') {
    state.blocks.set(index, { kind: 'text' })
    return block.data.text === '' ? [] : emit(state, { content: block.data.text })
  }
  // A JSON response_format's forced tool: its input is the answer's content (json-output.ts).
  if (block.data.name === JSON_OUTPUT_TOOL) {
    state.blocks.set(index, { kind: 'json' })
    return []
  }
  const tool = state.tools++
  state.blocks.set(index, { kind: 'tool', index: tool })
  const call = { index: tool, id: block.data.id, type: 'function' as const }
  return emit(state, { tool_calls: [{ ...call, function: { name: block.data.name, arguments: '' } }] })
}

function blockDelta(state: StreamState, index: number, raw: unknown): ChatChunkEvent[] {
  const block = state.blocks.get(index)
  const delta = parseDelta(raw)
  if (!block || !delta.success) return []
  if (delta.data.type === 'text_delta') {
    return block.kind === 'text' && delta.data.text !== '' ? emit(state, { content: delta.data.text }) : []
  }
  const json = delta.data.partial_json
  if (json === '') return []
  if (block.kind === 'json') return emit(state, { content: json })
  if (block.kind === 'tool')
    return emit(state, { tool_calls: [{ index: block.index, function: { arguments: json } }] })
  return []
}

function messageDelta(state: StreamState, stopReason: string | null | undefined, usage: unknown): void {
  state.stop = finishReason(stopReason)
  // The forced JSON tool is how the answer was given, not a tool call for the client.
  if (state.stop === 'tool_calls' && state.tools === 0) state.stop = 'stop'
  // Counts in message_delta are cumulative: the latest of each wins.
  if (typeof usage === 'object' && usage !== null) {
    for (const [name, value] of Object.entries(usage))
      if (typeof value === 'number') state.usage[name] = value
  }
}

function finish(state: StreamState): ChatChunkEvent[] {
  state.ended = true
  const final = [...(state.roleSent ? [] : emit(state, {})), choiceChunk(state, {}, state.stop)]
  const counted = anthropicUsage.safeParse(state.usage)
  const usage = chatUsage(counted.success ? counted.data : {})
  return [...final, chunk(state, { choices: [], usage }), { kind: 'done' }]
}

function fail(state: StreamState, body: unknown, secrets: readonly string[]): ChatChunkEvent[] {
  state.ended = true
  return [{ kind: 'failed', failure: fromStreamError(body, { model: state.model || 'anthropic', secrets }) }]
}

function handle(state: StreamState, event: StreamEvent, secrets: readonly string[]): ChatChunkEvent[] {
  switch (event.type) {
    case 'message_start':
      state.id = `chatcmpl-${event.message.id}`
      state.model = event.message.model
      state.usage = { ...event.message.usage }
      return []
    case 'content_block_start':
      return blockStart(state, event.index, event.content_block)
    case 'content_block_delta':
      return blockDelta(state, event.index, event.delta)
    case 'message_delta':
      messageDelta(state, event.delta.stop_reason, event.usage)
      return []
    case 'message_stop':
      return finish(state)
    case 'error':
      return fail(state, event, secrets)
    case 'malformed':
      return fail(state, null, secrets)
    default:
      // content_block_stop, ping, and event types newer than this adapter.
      return []
  }
}

export function createStreamTranslator(context: StreamContext): StreamTranslator {
  const state: StreamState = {
    id: 'chatcmpl-anthropic',
    model: '',
    created: context.created,
    roleSent: false,
    ended: false,
    tools: 0,
    stop: 'stop',
    usage: {},
    blocks: new Map(),
  }
  return {
    push: (data) => (state.ended ? [] : handle(state, parseStreamEvent(data), context.secrets)),
    get ended() {
      return state.ended
    },
  }
}
