import { usageSchema } from './chat-schema.ts'

export interface StreamOutcome {
  usage: { prompt_tokens: number; completion_tokens: number } | null
  /** Characters of generated content seen, to bill a stream that ends without usage. */
  content_chars: number
  completed: boolean
  error: string | null
}

/** One server-sent event: its bytes as received and its joined `data:` lines. */
export interface SseEvent {
  raw: string
  data: string
}

const chunkSchema = usageSchema.partial().optional()

/** An event's `data` as a JSON object, or null when it is not one (a backend's odd line is skipped). */
export function parseJsonObject(data: string): Record<string, unknown> | null {
  try {
    const chunk: unknown = JSON.parse(data)
    return typeof chunk === 'object' && chunk !== null && !Array.isArray(chunk)
      ? (chunk as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

const choicesOf = (chunk: Record<string, unknown>): unknown[] =>
  Array.isArray(chunk.choices) ? chunk.choices : []

function inspect(data: string, outcome: StreamOutcome): { usageOnly: boolean } {
  const chunk = parseJsonObject(data)
  if (!chunk) return { usageOnly: false }
  const usage = 'usage' in chunk ? chunkSchema.safeParse(chunk.usage) : null
  if (
    usage?.success &&
    usage.data?.prompt_tokens !== undefined &&
    usage.data.completion_tokens !== undefined
  ) {
    outcome.usage = {
      prompt_tokens: usage.data.prompt_tokens,
      completion_tokens: usage.data.completion_tokens,
    }
  }
  const choices = choicesOf(chunk)
  for (const choice of choices) {
    // A chat chunk's delta.content, or a text completion chunk's text.
    const { delta, text } = (choice ?? {}) as { delta?: { content?: unknown }; text?: unknown }
    const content = delta?.content ?? text
    if (typeof content === 'string') outcome.content_chars += content.length
  }
  return { usageOnly: choices.length === 0 && outcome.usage !== null }
}

/**
 * Whether an event carries something the client must not see twice: generated text, a tool call,
 * a refusal, a finish reason, or anything that is not a chunk (an in-band error). Role-only
 * deltas and empty chunks are the preamble, held back until this is true (docs/routing.md).
 */
export function carriesContent(event: SseEvent): boolean {
  if (event.data === '' || event.data === '[DONE]') return false
  const chunk = parseJsonObject(event.data)
  if (!chunk || 'error' in chunk) return true
  return choicesOf(chunk).some((choice) => {
    if (typeof choice !== 'object' || choice === null) return false
    const { delta, finish_reason, text } = choice as {
      delta?: Record<string, unknown>
      finish_reason?: unknown
      text?: unknown
    }
    if (finish_reason !== null && finish_reason !== undefined) return true
    const content = delta?.content
    return (
      (typeof content === 'string' && content !== '') ||
      (typeof text === 'string' && text !== '') ||
      (Array.isArray(delta?.tool_calls) && delta.tool_calls.length > 0) ||
      (typeof delta?.refusal === 'string' && delta.refusal !== '') ||
      delta?.function_call !== undefined
    )
  })
}

/** An in-band error event (sent instead of a backend's own, which may name its host). */
export function isErrorEvent(event: SseEvent): boolean {
  const chunk = parseJsonObject(event.data)
  return chunk !== null && 'error' in chunk
}

/**
 * Splits a byte stream into server-sent events (an event ends at a blank line). One streaming
 * decoder for the whole body: a network read can end inside a multi-byte UTF-8 character, whose
 * bytes are kept until the next read completes it (decoding each read alone garbles it).
 */
export async function* sseEvents(body: AsyncIterable<unknown>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8')
  let buffer = ''
  for await (const piece of body) {
    buffer += typeof piece === 'string' ? piece : decoder.decode(piece as Uint8Array, { stream: true })
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const raw = buffer.slice(0, end + 2)
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
      const data = raw
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n')
      yield { raw, data }
    }
  }
}

const errorEvent = (message: string) =>
  `data: ${JSON.stringify({ error: { message, type: 'api_error', param: null, code: 'backend_error' } })}\n\n`

/**
 * Relays a backend's SSE events (the held preamble first, then the rest), unchanged, while reading
 * usage from them. The router always asks the backend for usage; when the client did not, the
 * usage-only chunk is dropped so the client sees what it asked for. A stream that ends without
 * [DONE], or whose backend fails, is ended with an in-band error event and no [DONE]: content
 * was already sent, so it is never retried. A consumer that stops (the client left) leaves the
 * outcome neither completed nor failed.
 */
export async function* relayEvents(
  held: readonly SseEvent[],
  events: AsyncIterator<SseEvent>,
  clientWantsUsage: boolean,
  outcome: StreamOutcome,
): AsyncGenerator<string> {
  const rest = { [Symbol.asyncIterator]: () => events }
  try {
    relay: for (const list of [held, rest]) {
      for await (const event of list) {
        if (event.data === '[DONE]') outcome.completed = true
        else if (isErrorEvent(event)) break relay
        else if (event.data !== '' && inspect(event.data, outcome).usageOnly && !clientWantsUsage) continue
        yield event.raw
      }
    }
  } catch {
    // The backend's connection failed mid-stream (reset, body timeout): said in-band below.
  }
  if (!outcome.completed) {
    outcome.error = 'the backend stream ended before it was complete'
    yield errorEvent(outcome.error)
  }
}

/** relayEvents over a whole byte stream, nothing held. */
export function relaySse(
  body: AsyncIterable<unknown>,
  clientWantsUsage: boolean,
  outcome: StreamOutcome,
): AsyncGenerator<string> {
  return relayEvents([], sseEvents(body)[Symbol.asyncIterator](), clientWantsUsage, outcome)
}

export function estimatedOutputTokens(outcome: StreamOutcome): number {
  return Math.ceil(outcome.content_chars / 4)
}
