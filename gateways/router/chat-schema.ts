import { z } from 'zod'
import { freeText, nameText } from '../http/text.ts'

// The request fields the router reads or checks; everything else is passed to the backend as
// sent (loose objects), so new OpenAI parameters work without a router release. Every bound
// here is in docs/errors.md; the model's own output limit is checked after the model is known.
export const CHAT_BOUNDS = {
  /** Characters of a model id or a message name. */
  name_chars: 256,
  /** Characters of one text (bounded anyway by the 4 MiB body). */
  text_chars: 4 * 1024 * 1024,
  /** max_tokens / max_completion_tokens, whatever the model (no model has more). */
  output_tokens: 1_000_000,
  n: 128,
} as const

const text = freeText(CHAT_BOUNDS.text_chars)
const contentPart = z.object({ type: z.string().max(CHAT_BOUNDS.name_chars), text: text.optional() }).loose()
const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z.union([text, z.array(contentPart), z.null()]).optional(),
    name: nameText(CHAT_BOUNDS.name_chars).optional(),
  })
  .loose()
const outputTokens = z.number().int().positive().max(CHAT_BOUNDS.output_tokens).nullable().optional()
const penalty = z.number().min(-2).max(2).nullable().optional()

export const chatCompletionRequest = z
  .object({
    model: nameText(CHAT_BOUNDS.name_chars),
    messages: z.array(message).min(1),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullable().optional(),
    max_tokens: outputTokens,
    max_completion_tokens: outputTokens,
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    n: z.number().int().min(1).max(CHAT_BOUNDS.n).nullable().optional(),
    presence_penalty: penalty,
    frequency_penalty: penalty,
    seed: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  })
  .loose()

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>

/** Usage as OpenAI-compatible backends report it. */
export const usageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
})

export const withUsage = z.object({ usage: usageSchema.nullable().optional() }).loose()

/** A rough token count (≈4 characters a token) for when a backend reports no usage. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4)
}

export function promptText(request: ChatCompletionRequest): string {
  return request.messages
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')))
    .join('\n')
}
