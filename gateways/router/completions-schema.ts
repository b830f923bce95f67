import { z } from 'zod'
import { freeText, nameText } from '../http/text.ts'
import { CHAT_BOUNDS } from './chat-schema.ts'

// Legacy text completions and embeddings both take a prompt that is a string, strings, a token
// array or token arrays. The fields the router reads or bounds are declared; everything else
// passes through to the backend (loose objects), as for chat (chat-schema.ts).
export const PROMPT_BOUNDS = {
  /** Prompts (or embedding inputs) in one request, as OpenAI's embeddings limit. */
  items: 2048,
  /** A token id: a non-negative 32-bit integer. */
  token_id: 2 ** 31 - 1,
  /** best_of, as OpenAI's. */
  best_of: 20,
  /** logprobs of the legacy completions API (OpenAI: at most 5). */
  logprobs: 5,
} as const

const text = freeText(CHAT_BOUNDS.text_chars)
const tokens = z.array(z.number().int().min(0).max(PROMPT_BOUNDS.token_id)).min(1)

/** A string, strings, a token array or token arrays. */
export const promptInput = z.union([
  text,
  z.array(text).min(1).max(PROMPT_BOUNDS.items),
  tokens,
  z.array(tokens).min(1).max(PROMPT_BOUNDS.items),
])
export type PromptInput = z.infer<typeof promptInput>

const outputTokens = z.number().int().positive().max(CHAT_BOUNDS.output_tokens).nullable().optional()
const penalty = z.number().min(-2).max(2).nullable().optional()

export const completionRequest = z
  .object({
    model: nameText(CHAT_BOUNDS.name_chars),
    prompt: promptInput,
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullable().optional(),
    max_tokens: outputTokens,
    n: z.number().int().min(1).max(CHAT_BOUNDS.n).nullable().optional(),
    best_of: z.number().int().min(1).max(PROMPT_BOUNDS.best_of).nullable().optional(),
    logprobs: z.number().int().min(0).max(PROMPT_BOUNDS.logprobs).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    presence_penalty: penalty,
    frequency_penalty: penalty,
    seed: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    suffix: text.nullable().optional(),
  })
  .loose()
export type CompletionRequest = z.infer<typeof completionRequest>

export const embeddingRequest = z
  .object({
    model: nameText(CHAT_BOUNDS.name_chars),
    input: promptInput,
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int().positive().max(65_536).optional(),
    // An embedding is one JSON answer: a streamed request would reach the backend as one.
    stream: z
      .boolean()
      .optional()
      .refine((v) => v !== true, 'embeddings are not streamed'),
  })
  .loose()
export type EmbeddingRequest = z.infer<typeof embeddingRequest>

const isTokens = (item: string | readonly number[]): item is readonly number[] => typeof item !== 'string'

/** The prompt as a list of items, each a string or a token array. */
export function promptItems(input: PromptInput): Array<string | readonly number[]> {
  if (typeof input === 'string') return [input]
  const items: Array<string | readonly number[]> = []
  const oneTokenArray: number[] = []
  for (const item of input) {
    if (typeof item === 'number') oneTokenArray.push(item)
    else items.push(item)
  }
  return oneTokenArray.length > 0 ? [oneTokenArray] : items
}

/** Input tokens estimated (≈4 characters a token; a token array is its length). */
export const estimatedPromptTokens = (input: PromptInput) =>
  promptItems(input).reduce(
    (sum, item) => sum + (isTokens(item) ? item.length : Math.ceil(item.length / 4)),
    0,
  )

/** The most input tokens a prompt can be: a token covers at least one byte. */
export const worstPromptTokens = (input: PromptInput) =>
  promptItems(input).reduce((sum, item) => sum + (isTokens(item) ? item.length : Buffer.byteLength(item)), 0)
