import { z } from 'zod'

// The request fields the router reads or checks; everything else is passed to the backend as
// sent (loose objects), so new OpenAI parameters work without a router release.
const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z.union([z.string(), z.array(z.object({ type: z.string() }).loose()), z.null()]).optional(),
    name: z.string().optional(),
  })
  .loose()

export const chatCompletionRequest = z
  .object({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullable().optional(),
    max_tokens: z.number().int().positive().nullable().optional(),
    max_completion_tokens: z.number().int().positive().nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    n: z.number().int().min(1).max(128).nullable().optional(),
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
