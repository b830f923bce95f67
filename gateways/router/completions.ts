import { z } from 'zod'
import { type CompletionRequest, type EmbeddingRequest, estimatedPromptTokens } from './completions-schema.ts'
import type { InferenceEndpoint } from './inference-endpoint.ts'
import { completionUsage } from './inference-endpoint.ts'
import { checkOutputLimit } from './output-limit.ts'
import { completionsWorstCase, embeddingsWorstCase, worstCaseUsd } from './worst-case.ts'

// POST /v1/completions and /v1/embeddings through the routing engine: what each reads of its body
// to reserve a budget and of its answer to bill it. Both are passed through to OpenAI-compatible
// and vLLM backends as sent (docs/routing.md#the-openai-api-surface).

/**
 * Legacy text completions: every prompt gets `n` choices (`best_of` generated server-side, each
 * billed), so the worst case is the output limit times the larger of the two, per prompt.
 */
export const completionsEndpoint: InferenceEndpoint<CompletionRequest> = {
  endpoint: 'completions',
  estimatedInput: (body) => estimatedPromptTokens(body.prompt),
  worstCaseUsd: (model, body) => worstCaseUsd(model, completionsWorstCase(model, body)),
  worstCaseTokens: completionsWorstCase,
  checkOutput: (model, body) => checkOutputLimit(model, { max_tokens: body.max_tokens }),
  streamUsage: 'on_request',
  usage: completionUsage,
}

/** An embeddings answer's usage: `prompt_tokens` and `total_tokens`, no completion tokens. */
const embeddingUsage = z
  .object({ usage: z.object({ prompt_tokens: z.number().int().nonnegative() }).loose() })
  .loose()

/** Embeddings are billed on their input tokens; they generate none. */
export const embeddingsEndpoint: InferenceEndpoint<EmbeddingRequest> = {
  endpoint: 'embeddings',
  estimatedInput: (body) => estimatedPromptTokens(body.input),
  worstCaseUsd: (model, body) => worstCaseUsd(model, embeddingsWorstCase(model, body)),
  worstCaseTokens: embeddingsWorstCase,
  checkOutput: () => {},
  streamUsage: 'on_request',
  usage: (json) => {
    const parsed = embeddingUsage.safeParse(json)
    return parsed.success ? { input_tokens: parsed.data.usage.prompt_tokens, output_tokens: 0 } : null
  },
}
