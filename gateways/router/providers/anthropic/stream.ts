import { fromStreamError, type ProviderFailure } from './errors.ts'
import { JSON_OUTPUT_TOOL } from './json-output.ts'
import { chatUsage, type FinishReason, finishReason } from './outcome.ts'
import { parseBlockStart, parseDelta, parseStreamEvent, type StreamEvent } from './stream-events.ts'
import type { AnthropicUsage } from './wire.ts'

// Anthropic's stream events → OpenAI chat.completion.chunk events, fed one event at a time
// (pure: the caller reads the bytes). What comes out, in order: a role chunk, content and
// tool-call chunks, one chunk with the finish reason, one usage chunk (always: the router reads
// usage from it and drops it for a client that did not ask), then done. An `error` event ends
// the stream with a failure and no done: content may already have been sent, so it is not
// replayed (docs/routing.md).

export type Delta = {
  role?: 'assistant'
  content?: string
  tool_calls?: {
    index: number
    id?: string
    type?: 'function'
    function: { name?: string; arguments: string }
  }[]
}

export type ChatChunkEvent =
  | { kind: 'chunk'; chunk: Record<string, unknown> }
  | { kind: 'failed'; failure: ProviderFailure }
  | { kind: 'done' }

export interface StreamContext {
  /** Unix seconds of the answer (OpenAI's `created`). */
  created: number
  /** Secrets the provider might echo in an error message. */
  secrets: readonly string[]
}

/** Anthropic's block index → what the block is on the OpenAI side. */
type Block = { kind: 'text' } | { kind: 'tool'; index: number } | { kind: 'json' } | { kind: 'skipped' }

export interface StreamTranslator {
  push(data: string): ChatChunkEvent[]
  /** Whether the stream ended (done or failed); later events are ignored. */
  readonly ended: boolean
}

export function createStreamTranslator(context: StreamContext): StreamTranslator {
  let id = 'chatcmpl-anthropic'
  let model = ''
  let roleSent = false
  let ended = false
  let tools = 0
  let stop: FinishReason = 'stop'
  let usage: AnthropicUsage = {}
  const blocks = new Map<number, Block>()

  const chunk = (body: Record<string, unknown>): ChatChunkEvent => ({
    kind: 'chunk',
    chunk: { id, object: 'chat.completion.chunk', created: context.created, model, ...body },
  })
  const choice = (delta: Delta, finish: FinishReason | null = null) =>
    chunk({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })
  /** A delta, preceded by the role chunk the first time. */
  const emit = (delta: Delta): ChatChunkEvent[] => {
    if (roleSent) return [choice(delta)]
    roleSent = true
    return [choice({ role: 'assistant', content: '' }), choice(delta)]
  }
  const fail = (failure: ProviderFailure): ChatChunkEvent[] => {
    ended = true
    return [{ kind: 'failed', failure }]
  }
  const model_ = () => model || 'anthropic'

  function blockStart(index: number, raw: unknown): ChatChunkEvent[] {
    const block = parseBlockStart(raw)
    if (!block.success) {
      blocks.set(index, { kind: 'skipped' })
      return []
    }
    if (block.data.type === 'text') {
      blocks.set(index, { kind: 'text' })
      return block.data.text === '' ? [] : emit({ content: block.data.text })
    }
    // A JSON response_format's forced tool: its input is the answer's content (json-output.ts).
    if (block.data.name === JSON_OUTPUT_TOOL) {
      blocks.set(index, { kind: 'json' })
      return []
    }
    const tool = tools++
    blocks.set(index, { kind: 'tool', index: tool })
    const call = { index: tool, id: block.data.id, type: 'function' as const }
    return emit({ tool_calls: [{ ...call, function: { name: block.data.name, arguments: '' } }] })
  }

  function blockDelta(index: number, raw: unknown): ChatChunkEvent[] {
    const block = blocks.get(index)
    const delta = parseDelta(raw)
    if (!block || !delta.success) return []
    if (block.kind === 'text' && delta.data.type === 'text_delta' && delta.data.text !== '') {
      return emit({ content: delta.data.text })
    }
    if (block.kind === 'json' && delta.data.type === 'input_json_delta' && delta.data.partial_json !== '') {
      return emit({ content: delta.data.partial_json })
    }
    if (block.kind === 'tool' && delta.data.type === 'input_json_delta' && delta.data.partial_json !== '') {
      return emit({ tool_calls: [{ index: block.index, function: { arguments: delta.data.partial_json } }] })
    }
    return []
  }

  function finish(): ChatChunkEvent[] {
    ended = true
    const final = [...(roleSent ? [] : emit({})), choice({}, stop)]
    return [...final, chunk({ choices: [], usage: chatUsage(usage) }), { kind: 'done' }]
  }

  function handle(event: StreamEvent): ChatChunkEvent[] {
    switch (event.type) {
      case 'message_start':
        id = `chatcmpl-${event.message.id}`
        model = event.message.model
        usage = { ...event.message.usage }
        return []
      case 'content_block_start':
        return blockStart(event.index, event.content_block)
      case 'content_block_delta':
        return blockDelta(event.index, event.delta)
      case 'message_delta':
        stop = finishReason(event.delta.stop_reason)
        // The forced JSON tool is how the answer was given, not a tool call for the client.
        if (stop === 'tool_calls' && tools === 0) stop = 'stop'
        // Counts in message_delta are cumulative: the latest of each wins.
        for (const [name, value] of Object.entries(event.usage ?? {})) {
          if (typeof value === 'number') usage = { ...usage, [name]: value }
        }
        return []
      case 'message_stop':
        return finish()
      case 'error':
        return fail(fromStreamError(event, { model: model_(), secrets: context.secrets }))
      case 'malformed':
        return fail(fromStreamError(null, { model: model_(), secrets: context.secrets }))
      default:
        // content_block_stop, ping, and event types newer than this adapter.
        return []
    }
  }

  return {
    push: (data) => (ended ? [] : handle(parseStreamEvent(data))),
    get ended() {
      return ended
    },
  }
}
