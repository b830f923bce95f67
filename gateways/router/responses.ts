import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import { freeText, nameText } from '../http/text.ts'
import { CHAT_BOUNDS, estimateTokens } from './chat-schema.ts'
import type { InferenceEndpoint } from './inference-endpoint.ts'
import { responsesWorstCase, worstCaseUsd } from './worst-case.ts'

// POST /v1/responses, passed through to OpenAI-compatible and vLLM backends that serve it. The
// router reads `input`, `instructions` and `max_output_tokens`; the rest (tools, text.format,
// reasoning, store…) passes through. Its usage is `input_tokens` / `output_tokens`.

const text = freeText(CHAT_BOUNDS.text_chars)

export const responsesRequest = z
  .object({
    model: nameText(CHAT_BOUNDS.name_chars),
    input: z.union([text, z.array(z.object({}).loose()).min(1)]),
    instructions: text.nullable().optional(),
    max_output_tokens: z.number().int().positive().max(CHAT_BOUNDS.output_tokens).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
    stream: z.boolean().nullable().optional(),
  })
  .loose()
export type ResponsesRequest = z.infer<typeof responsesRequest>

const responsesUsage = z
  .object({
    usage: z.object({
      input_tokens: z.number().int().nonnegative(),
      output_tokens: z.number().int().nonnegative(),
    }),
  })
  .loose()

/** The prompt as text: its instructions and its input items as JSON. */
const promptOf = (body: ResponsesRequest) =>
  `${body.instructions ?? ''}\n${typeof body.input === 'string' ? body.input : JSON.stringify(body.input)}`

export const responsesEndpoint: InferenceEndpoint<ResponsesRequest> = {
  endpoint: 'responses',
  estimatedInput: (body) => estimateTokens(promptOf(body)),
  worstCaseUsd: (model, body) => worstCaseUsd(model, responsesWorstCase(model, body)),
  worstCaseTokens: responsesWorstCase,
  checkOutput: (model, body) => {
    const asked = body.max_output_tokens
    if (typeof asked !== 'number' || asked <= model.max_output_tokens) return
    throw new AppError(
      'VALIDATION_FAILED',
      `max_output_tokens is too large: ${asked}. The model \`${model.name}\` supports at most ` +
        `${model.max_output_tokens} output tokens.`,
      { param: 'max_output_tokens' },
    )
  },
  streamUsage: 'always',
  usage: (json) => {
    const parsed = responsesUsage.safeParse(json)
    return parsed.success ? parsed.data.usage : null
  },
}
