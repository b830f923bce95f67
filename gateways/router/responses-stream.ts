import { z } from 'zod'
import { parseJsonObject, type SseEvent } from './sse-relay.ts'

// A Responses API stream (typed events such as `response.output_text.delta`, ending with
// `response.completed`, no [DONE]) read by the router's one relay, which reads chat chunks: each
// event reaches the client as the backend sent it (`raw`), and its `data` is replaced by the
// chat chunk that means the same to the relay (docs/routing.md#the-openai-api-surface):
// - events before any output (created, in_progress, an item or part added) carry nothing, so
//   they are held as the preamble and a failure before the first delta still fails over;
// - a `*.delta` (text, refusal, function call arguments…) is content, its characters counted;
// - `response.completed` / `response.incomplete` carry the usage, then end the stream ([DONE]);
// - `response.failed` and `error` are an error (before content: another backend is tried).

/** Events that carry no output: held before the first delta, relayed as they are after it. */
const NOTHING = ''

const chunk = (value: unknown) => JSON.stringify(value)

const finished = z.object({
  response: z.object({
    usage: z.object({
      input_tokens: z.number().int().nonnegative(),
      output_tokens: z.number().int().nonnegative(),
    }),
  }),
})

/** usage {input_tokens, output_tokens} of a finished response, as chat's usage. */
function usageOf(
  event: Record<string, unknown>,
): { prompt_tokens: number; completion_tokens: number } | null {
  const parsed = finished.safeParse(event)
  if (!parsed.success) return null
  const { input_tokens, output_tokens } = parsed.data.response.usage
  return { prompt_tokens: input_tokens, completion_tokens: output_tokens }
}

/** The relay's reading of one Responses event: one or two events (a finished one adds [DONE]). */
export function readResponsesEvent(event: SseEvent): SseEvent[] {
  const parsed = parseJsonObject(event.data)
  const type = typeof parsed?.type === 'string' ? parsed.type : ''
  if (!parsed) return [{ raw: event.raw, data: NOTHING }]
  if (type === 'error' || type === 'response.failed') {
    return [{ raw: event.raw, data: chunk({ error: { message: `the backend sent ${type}` } }) }]
  }
  if (type === 'response.completed' || type === 'response.incomplete') {
    const usage = usageOf(parsed)
    const read = usage
      ? [{ raw: event.raw, data: chunk({ choices: [], usage }) }]
      : [{ raw: event.raw, data: NOTHING }]
    return [...read, { raw: '', data: '[DONE]' }]
  }
  if (type.endsWith('.delta')) {
    const content = typeof parsed.delta === 'string' ? parsed.delta : ''
    return [{ raw: event.raw, data: chunk({ choices: [{ delta: { content } }] }) }]
  }
  return [{ raw: event.raw, data: NOTHING }]
}

/**
 * A Responses stream as the relay reads it. The readings of one event follow each other at once,
 * and the last keeps the event's `more` (sse-relay.ts), so a read's events are still written together.
 */
export async function* responsesEvents(events: AsyncIterator<SseEvent>): AsyncGenerator<SseEvent> {
  for (;;) {
    const next = await events.next()
    if (next.done) return
    const reads = readResponsesEvent(next.value)
    for (const [index, reading] of reads.entries())
      yield { ...reading, more: index < reads.length - 1 || next.value.more === true }
  }
}
