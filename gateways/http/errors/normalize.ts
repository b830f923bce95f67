import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { isAppError } from '../../../domain/errors.ts'
import { clip } from '../clip.ts'
import { type ErrorCode, errorCatalog, isErrorCode } from './catalog.ts'

export interface NormalizedError {
  code: ErrorCode
  status: number
  message: string
  /** The offending field, for validation errors (OpenAI's `param`). */
  param: string | null
  details: Record<string, unknown> | undefined
}

// Fastify's own client errors, by their FST_ code.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  // A path that is not valid percent-encoding, or a path parameter over maxParamLength (100).
  FST_ERR_BAD_URL: 'MALFORMED_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'VALIDATION_FAILED',
}

const make = (
  code: ErrorCode,
  message: string,
  param: string | null = null,
  details?: Record<string, unknown>,
) => ({
  code,
  status: errorCatalog[code].status,
  message,
  param,
  details,
})

/** Turns anything thrown into a catalogued error; unknown errors become INTERNAL with no detail. */
export function normalizeError(error: unknown): NormalizedError {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0]
    const where = error.validationContext ?? 'body'
    const path = first?.instancePath.replace(/^\//, '').replaceAll('/', '.') ?? ''
    const param = path === '' ? where : path
    return make(
      'VALIDATION_FAILED',
      `${where}${path ? `.${path}` : ''}: ${first?.message ?? 'invalid'}`,
      param,
      {
        issues: error.validation.map((v) => ({ path: v.instancePath, message: v.message })),
      },
    )
  }
  if (isAppError(error)) {
    const code = isErrorCode(error.code) ? error.code : 'INTERNAL'
    if (code === 'INTERNAL') return make('INTERNAL', 'internal error')
    // A 5xx says what failed, never how: adapter messages can name hosts, ports and queries.
    if (errorCatalog[code].status >= 500) return make(code, errorCatalog[code].title)
    // A domain error may name the offending field (OpenAI's `param`), e.g. max_tokens.
    const param = typeof error.details?.param === 'string' ? error.details.param : null
    return make(code, error.message, param, error.details)
  }
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    const code = fastifyCodes[error.code]
    // fastify's messages can quote the path or the body: echoed clipped.
    if (code) return make(code, clip(error.message))
  }
  if (error instanceof SyntaxError) return make('MALFORMED_JSON', 'the body is not valid JSON')
  return make('INTERNAL', 'internal error')
}
