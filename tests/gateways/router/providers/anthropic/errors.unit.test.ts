import { describe, expect, it } from 'vitest'
import { errorCatalog, isErrorCode } from '../../../../../gateways/http/errors/catalog.ts'
import {
  fromErrorResponse,
  fromStreamError,
  openAiErrorBody,
} from '../../../../../gateways/router/providers/anthropic/errors.ts'

const context = { model: 'claude', secrets: ['sk-ant-secret-123'] }
const body = (type: string, message: string) => ({
  type: 'error',
  error: { type, message },
  request_id: 'req_1',
})

describe('Anthropic errors → OpenAI errors', () => {
  it.each([
    [400, 'invalid_request_error', 'BACKEND_REQUEST_REFUSED', 400, false],
    [413, 'request_too_large', 'BACKEND_REQUEST_REFUSED', 400, false],
    [401, 'authentication_error', 'BACKEND_ERROR', 502, false],
    [403, 'permission_error', 'BACKEND_ERROR', 502, false],
    [404, 'not_found_error', 'BACKEND_ERROR', 502, false],
    [429, 'rate_limit_error', 'BACKEND_RATE_LIMITED', 429, true],
    [500, 'api_error', 'BACKEND_ERROR', 502, true],
    [529, 'overloaded_error', 'BACKEND_OVERLOADED', 503, true],
  ])('HTTP %i %s → %s (%i), retryable %s', (status, type, code, openAiStatus, retryable) => {
    const failure = fromErrorResponse(status, body(type, 'details'), context)
    expect(failure.error.code).toBe(code)
    expect(failure.retryable).toBe(retryable)
    expect(openAiErrorBody(failure.error).error.code).toBe(code.toLowerCase())
    // The /v1 error handler answers with the catalogue's status.
    expect(isErrorCode(code) && errorCatalog[code].status).toBe(openAiStatus)
  })

  it('keeps the provider message of a request the caller can fix, never the api key', () => {
    const failure = fromErrorResponse(
      400,
      body(
        'invalid_request_error',
        'prompt is too long: 210000 tokens > 200000 maximum (key sk-ant-secret-123)',
      ),
      context,
    )
    const sent = openAiErrorBody(failure.error)
    expect(sent.error.message).toContain('prompt is too long: 210000 tokens > 200000 maximum')
    expect(JSON.stringify(sent)).not.toContain('sk-ant-secret-123')
  })

  it('answers a credential or server failure with the catalogue title only', () => {
    const failure = fromErrorResponse(
      401,
      body('authentication_error', 'invalid x-api-key sk-ant-secret-123'),
      context,
    )
    expect(openAiErrorBody(failure.error).error.message).toBe('Model backend error')
  })

  it('maps a body that is not Anthropic-shaped by its status', () => {
    expect(fromErrorResponse(502, '<html>bad gateway</html>', context).error.code).toBe('BACKEND_ERROR')
    expect(fromErrorResponse(400, null, context).error.code).toBe('BACKEND_REQUEST_REFUSED')
  })

  it('maps an error event of a stream by its type', () => {
    expect(fromStreamError(body('overloaded_error', 'Overloaded'), context).error.code).toBe(
      'BACKEND_OVERLOADED',
    )
    expect(fromStreamError(body('api_error', 'oops'), context).error.code).toBe('BACKEND_ERROR')
    expect(fromStreamError({ nonsense: true }, context).error.code).toBe('BACKEND_ERROR')
  })
})
