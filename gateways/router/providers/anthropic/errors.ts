import { AppError } from '../../../../domain/errors.ts'
import { clip } from '../../../http/clip.ts'
import { errorCatalog } from '../../../http/errors/catalog.ts'
import { normalizeError } from '../../../http/errors/normalize.ts'
import { anthropicErrorBody } from './wire.ts'

// Anthropic's errors → the router's catalogued codes, hence OpenAI's error shape and status.
// A 4xx the caller can fix (400, 413) keeps the provider's message, which says what to fix; the
// provider's other answers are the router's business (its credentials, its configured model
// name, the provider's load), so their message stays in the log (5xx detail is never answered).

/** The mapped error, and whether another attempt (another backend, later) may succeed. */
export interface ProviderFailure {
  error: AppError
  retryable: boolean
}

// What each documented error type means when the status is not one Anthropic documents.
const TYPE_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
}

/** The provider's message with every secret it might echo replaced, clipped. */
function cleaned(message: string, secrets: readonly string[]): string {
  let text = message
  for (const secret of secrets) if (secret !== '') text = text.replaceAll(secret, '[redacted]')
  return clip(text)
}

function failure(code: string, message: string, retryable: boolean): ProviderFailure {
  return { error: new AppError(code, message), retryable }
}

/** Maps by status; `type` decides when the status is not Anthropic's (a proxy's, a stream's). */
function mapped(status: number, message: string, model: string): ProviderFailure {
  const backend = `the backend of model ${model}`
  if (status === 400 || status === 413 || status === 422) {
    return failure('BACKEND_REQUEST_REFUSED', `the provider refused the request: ${message}`, false)
  }
  if (status === 401 || status === 403) {
    return failure('BACKEND_ERROR', `${backend} refused the router's credentials: ${message}`, false)
  }
  if (status === 404) return failure('BACKEND_ERROR', `${backend} does not know the model: ${message}`, false)
  if (status === 429) return failure('BACKEND_RATE_LIMITED', `${backend} is rate limited: ${message}`, true)
  if (status === 529) {
    return failure('BACKEND_OVERLOADED', `${backend} is overloaded: ${message}`, true)
  }
  if (status >= 500) return failure('BACKEND_ERROR', `${backend} failed (HTTP ${status}): ${message}`, true)
  return failure('BACKEND_REQUEST_REFUSED', `the provider refused the request: ${message}`, false)
}

/** An error answer (status and body, parsed or not) of the Messages API. */
export function fromErrorResponse(
  status: number,
  body: unknown,
  context: { model: string; secrets: readonly string[] },
): ProviderFailure {
  const parsed = anthropicErrorBody.safeParse(body)
  const message = parsed.success ? cleaned(parsed.data.error.message, context.secrets) : `HTTP ${status}`
  return mapped(status, message, context.model)
}

/** An `error` event inside a stream (sent after a 200): its type says what went wrong. */
export function fromStreamError(body: unknown, context: { model: string; secrets: readonly string[] }) {
  const parsed = anthropicErrorBody.safeParse(body)
  if (!parsed.success) return mapped(500, 'an error event not in its API shape', context.model)
  const { type, message } = parsed.data.error
  return mapped(TYPE_STATUS[type] ?? 500, cleaned(message, context.secrets), context.model)
}

/** OpenAI's error body for a failure, as the /v1 error handler writes it (5xx detail hidden). */
export function openAiErrorBody(error: AppError) {
  const normalized = normalizeError(error)
  return {
    error: {
      message: normalized.message,
      type: errorCatalog[normalized.code].openai_type,
      param: normalized.param,
      code: normalized.code.toLowerCase(),
    },
  }
}
