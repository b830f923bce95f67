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
  /**
   * More events of the same network read follow this one, already received: a relay writes them
   * to its client together (one socket write per read, not per event). Absent: false.
   */
  more?: boolean
}

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

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0

/** A chunk's usage as OpenAI-compatible backends report it (usageSchema's rule, without zod per chunk). */
function usageOf(chunk: Record<string, unknown>): StreamOutcome['usage'] {
  const usage = chunk.usage
  if (typeof usage !== 'object' || usage === null) return null
  const { prompt_tokens, completion_tokens } = usage as Record<string, unknown>
  return isCount(prompt_tokens) && isCount(completion_tokens) ? { prompt_tokens, completion_tokens } : null
}

/** Counts a chunk's generated characters and reads its usage; whether it is the usage-only chunk. */
function inspect(chunk: Record<string, unknown>, outcome: StreamOutcome): { usageOnly: boolean } {
  const usage = usageOf(chunk)
  if (usage) outcome.usage = usage
  const choices = choicesOf(chunk)
  for (const choice of choices) {
    // A chat chunk's delta.content, or a text completion chunk's text.
    const { delta, text } = (choice ?? {}) as { delta?: { content?: unknown }; text?: unknown }
    const content = delta?.content ?? text
    if (typeof content === 'string') outcome.content_chars += content.length
  }
  return { usageOnly: choices.length === 0 && outcome.usage !== null }
}

// Most events of a stream are plain chunks whose only news is a few characters of text. Their
// characters are read without a JSON parse (the relay's largest cost per event, measured in
// docs/benchmarks.md): a chunk that could carry anything else (usage, an error, several texts, a
// value that is not a string) goes through the parse as before. A chunk that is not JSON at all
// but starts with `{` may have its text counted here where the parse would skip it: the count
// only estimates output for a stream that ends without usage.

const isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13

/** Where the value of `key` (quoted) starts: -1 when absent, null when it is there more than once. */
function valueStart(data: string, key: string): number | null {
  const at = data.indexOf(key)
  if (at === -1) return -1
  if (data.indexOf(key, at + key.length) !== -1) return null
  let i = at + key.length
  while (isSpace(data.charCodeAt(i))) i++
  // Outside a string a quoted word is a key: inside one, its quotes would be escaped.
  if (data.charCodeAt(i) !== 58 /* : */) return null
  i++
  while (isSpace(data.charCodeAt(i))) i++
  return i
}

/** UTF-16 length of the JSON string starting at `start` (its quote), as JSON.parse decodes it. */
function stringLength(data: string, start: number): number | null {
  let length = 0
  for (let i = start + 1; i < data.length; i++) {
    const code = data.charCodeAt(i)
    if (code === 34 /* " */) return length
    // An escape is one unit: \uXXXX (one UTF-16 unit) or a one-character escape.
    if (code === 92 /* \ */) i += data.charCodeAt(i + 1) === 117 /* u */ ? 5 : 1
    length++
  }
  return null
}

/**
 * The characters of generated text in a plain chunk (one `content` or `text` string, or null),
 * read without a parse; null when the chunk needs the parse.
 */
export function quickTextLength(data: string): number | null {
  if (data.charCodeAt(0) !== 123 /* { */ || data.includes('"error"')) return null
  // OpenAI sends `"usage": null` in every chunk of a stream that asked for usage.
  const usage = valueStart(data, '"usage"')
  if (usage === null || (usage !== -1 && !data.startsWith('null', usage))) return null
  const content = valueStart(data, '"content"')
  const text = valueStart(data, '"text"')
  // One text in all: a chunk with both (two choices, or content null beside a text) is parsed.
  if (content === null || text === null || (content !== -1 && text !== -1)) return null
  const at = Math.max(content, text)
  if (at === -1) return 0
  if (data.charCodeAt(at) === 34 /* " */) return stringLength(data, at)
  return data.startsWith('null', at) ? 0 : null
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

/** The joined `data:` lines of one event (the common event is a single `data: ` line). */
function dataOf(raw: string): string {
  if (raw.startsWith('data: ') && raw.indexOf('\n') === raw.length - 2) return raw.slice(6, -2).trimStart()
  return raw
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart())
    .join('\n')
}

/**
 * Splits a byte stream into server-sent events (an event ends at a blank line), each marked with
 * whether more of the same read follow. One streaming decoder for the whole body: a network read
 * can end inside a multi-byte UTF-8 character, whose bytes are kept until the next read completes
 * it (decoding each read alone garbles it).
 */
export async function* sseEvents(body: AsyncIterable<unknown>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8')
  let buffer = ''
  for await (const piece of body) {
    buffer += typeof piece === 'string' ? piece : decoder.decode(piece as Uint8Array, { stream: true })
    let start = 0
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const raw = buffer.slice(start, end + 2)
      start = end + 2
      end = buffer.indexOf('\n\n', start)
      yield { raw, data: dataOf(raw), more: end !== -1 }
    }
    buffer = buffer.slice(start)
  }
}

const errorEvent = (message: string) =>
  `data: ${JSON.stringify({ error: { message, type: 'api_error', param: null, code: 'backend_error' } })}\n\n`

/** What the relay does with one event: it ends the stream, is an error, or is relayed or dropped. */
type Reading = 'done' | 'error' | 'relay' | 'usage-only'

/** At most one JSON parse per event: an error, or a chunk whose usage and characters are read. */
function read(event: SseEvent, outcome: StreamOutcome): Reading {
  if (event.data === '[DONE]') return 'done'
  if (event.data === '') return 'relay'
  // Once usage was seen, an empty chunk is a usage-only one (inspect): that needs the parse.
  const quick = outcome.usage === null ? quickTextLength(event.data) : null
  if (quick !== null) {
    outcome.content_chars += quick
    return 'relay'
  }
  const chunk = parseJsonObject(event.data)
  if (!chunk) return 'relay'
  if ('error' in chunk) return 'error'
  return inspect(chunk, outcome).usageOnly ? 'usage-only' : 'relay'
}

/**
 * Relays a backend's SSE events (the held preamble first, then the rest), unchanged, while reading
 * usage from them. The router always asks the backend for usage; when the client did not, the
 * usage-only chunk is dropped so the client sees what it asked for. A stream that ends without
 * [DONE], or whose backend fails, is ended with an in-band error event and no [DONE]: content
 * was already sent, so it is never retried. A consumer that stops (the client left) leaves the
 * outcome neither completed nor failed. Events that arrived in one network read (`more`) are
 * yielded as one string, so the client gets one write per read.
 */
export async function* relayEvents(
  held: readonly SseEvent[],
  events: AsyncIterator<SseEvent>,
  clientWantsUsage: boolean,
  outcome: StreamOutcome,
): AsyncGenerator<string> {
  const rest = { [Symbol.asyncIterator]: () => events }
  let out = ''
  try {
    relay: for (const list of [held, rest]) {
      for await (const event of list) {
        const reading = read(event, outcome)
        if (reading === 'error') break relay
        if (reading === 'done') outcome.completed = true
        if (reading !== 'usage-only' || clientWantsUsage) out += event.raw
        if (event.more === true || out === '') continue
        yield out
        out = ''
      }
    }
  } catch {
    // The backend's connection failed mid-stream (reset, body timeout): said in-band below.
  }
  if (!outcome.completed) {
    outcome.error = 'the backend stream ended before it was complete'
    out += errorEvent(outcome.error)
  }
  if (out !== '') yield out
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
