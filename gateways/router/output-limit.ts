import { AppError } from '../../domain/errors.ts'
import type { ChatCompletionRequest } from './chat-schema.ts'
import type { Model } from './models.ts'

/**
 * Refuses an output limit above the model's own, as OpenAI answers (400, param max_tokens): the
 * budget reservation assumes the limit asked for, so an absurd one would hold an absurd amount.
 */
export function checkOutputLimit(
  model: Model,
  body: Pick<ChatCompletionRequest, 'max_tokens' | 'max_completion_tokens'>,
): void {
  for (const param of ['max_completion_tokens', 'max_tokens'] as const) {
    const asked = body[param]
    if (typeof asked === 'number' && asked > model.max_output_tokens) {
      throw new AppError(
        'VALIDATION_FAILED',
        `${param} is too large: ${asked}. The model \`${model.name}\` supports at most ` +
          `${model.max_output_tokens} completion tokens.`,
        { param },
      )
    }
  }
}
