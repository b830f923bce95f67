import type { Readable } from 'node:stream'
import { usageSchema } from './chat-schema.ts'

export interface StreamOutcome {
  usage: { prompt_tokens: number; completion_tokens: number } | null
  /** Characters of generated content seen, to bill a stream that ends without usage. */
  content_chars: number
  completed: boolean
  error: string | null
}

const chunkSchema = usageSchema.partial().optional()

function inspect(data: string, outcome: StreamOutcome): { usageOnly: boolean } {
  try {
    const chunk: unknown = JSON.parse(data)
    if (typeof chunk !== 'object' || chunk === null) return { usageOnly: false }
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
    const choices = 'choices' in chunk && Array.isArray(chunk.choices) ? chunk.choices : []
    for (const choice of choices) {
      const content = choice?.delta?.content
      if (typeof content === 'string') outcome.content_chars += content.length
    }
    return { usageOnly: choices.length === 0 && outcome.usage !== null }
  } catch {
    return { usageOnly: false }
  }
}

const errorEvent = (message: string) =>
  `data: ${JSON.stringify({ error: { message, type: 'api_error', param: null, code: 'backend_error' } })}\n\n`

/**
 * Relays a backend's SSE stream event by event, unchanged, while reading usage from it. The
 * router always asks the backend for usage; when the client did not, the usage-only chunk is
 * dropped so the client sees what it asked for. A stream that ends without [DONE] is ended with
 * an in-band error event, never retried (content was already sent).
 */
export async function* relaySse(
  body: Readable,
  clientWantsUsage: boolean,
  outcome: StreamOutcome,
): AsyncGenerator<string> {
  let buffer = ''
  for await (const piece of body) {
    buffer += typeof piece === 'string' ? piece : Buffer.from(piece).toString('utf8')
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const event = buffer.slice(0, end + 2)
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n')
      if (data === '[DONE]') outcome.completed = true
      else if (data !== '' && inspect(data, outcome).usageOnly && !clientWantsUsage) continue
      yield event
    }
  }
  if (!outcome.completed) {
    outcome.error = 'the backend stream ended before it was complete'
    yield errorEvent(outcome.error)
  }
}

export function estimatedOutputTokens(outcome: StreamOutcome): number {
  return Math.ceil(outcome.content_chars / 4)
}
