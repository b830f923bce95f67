import { describe, expect, it } from 'vitest'
import { routePattern } from '../../../gateways/http/allowed-methods.ts'
import { clientErrorBody, requestPath } from '../../../gateways/http/client-error.ts'

describe("Node's client errors in our shapes", () => {
  it('reads the path of the request line when the packet starts with it', () => {
    expect(requestPath(Buffer.from('GET /v1/models?x=1 HTTP/1.1\r\nHost: a\r\n'))).toBe('/v1/models')
    expect(requestPath(Buffer.from('X-Long: aaaa\r\n'))).toBeNull()
    expect(requestPath(undefined)).toBeNull()
  })

  it('answers OpenAI-shaped for /v1 and problem+json otherwise or when the path is unknown', () => {
    const openai = clientErrorBody('HEADERS_TOO_LARGE', '/v1/chat/completions')
    expect(openai.type).toBe('application/json')
    expect(JSON.parse(openai.body)).toMatchObject({
      error: { code: 'headers_too_large', type: 'invalid_request_error' },
    })
    for (const path of ['/admin/v1/organizations', null, '/v10']) {
      const problem = clientErrorBody('HEADERS_TOO_LARGE', path)
      expect(problem.type).toBe('application/problem+json')
      expect(JSON.parse(problem.body)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' })
    }
  })
})

describe('route patterns for 405', () => {
  it('match concrete paths of parameterised routes, and nothing longer', () => {
    const pattern = routePattern('/admin/v1/organizations/:organization_id/budget')
    expect(pattern.test('/admin/v1/organizations/abc/budget')).toBe(true)
    expect(pattern.test('/admin/v1/organizations/abc/budget/x')).toBe(false)
    expect(pattern.test('/admin/v1/organizations//budget')).toBe(false)
    expect(routePattern('/v1/models').test('/v1/models/')).toBe(false)
    expect(routePattern('/a.b').test('/aXb')).toBe(false)
  })
})
