import { describe, expect, it } from 'vitest'
import { apiUrl, createApi, toApiError } from '../../../gateways/console/src/api.ts'
import { ApiError } from '../../../gateways/console/src/contract.ts'

const bases = { admin: 'https://id.example.com', analytics: 'https://stats.example.com/' }

describe('the console’s API client', () => {
  it('sends /analytics/v1 to the analytics base and the rest to the admin base', () => {
    expect(apiUrl(bases, '/analytics/v1/usage', { organization_id: 'o', cursor: undefined, limit: 5 })).toBe(
      'https://stats.example.com/analytics/v1/usage?organization_id=o&limit=5',
    )
    expect(apiUrl(bases, '/admin/v1/me')).toBe('https://id.example.com/admin/v1/me')
  })

  it('keeps an RFC 9457 problem as the API answered it', () => {
    const problem = {
      type: 'https://aiaas.dev/errors/forbidden',
      title: 'Forbidden',
      status: 403,
      detail: 'no',
      code: 'FORBIDDEN',
    }
    const error = toApiError(403, problem)
    expect([error.status, error.problem, error.message]).toEqual([403, problem, 'no'])
  })

  it("maps OpenAI's error shape and a non-JSON answer to a problem", () => {
    const openai = toApiError(401, { error: { message: 'bad key', code: 'api_key_revoked', type: 'x' } })
    expect(openai.problem).toMatchObject({ status: 401, detail: 'bad key', code: 'api_key_revoked' })
    const html = toApiError(502, '<html>Bad gateway</html>', 'Bad Gateway')
    expect([html.problem.title, html.message]).toEqual(['Bad Gateway', 'Bad Gateway'])
  })

  it('sends the token, JSON and the extra headers; a failed answer or no answer is an ApiError', async () => {
    const seen: { url: string; init: RequestInit }[] = []
    const answers = [
      new Response(JSON.stringify({ id: 'k1' }), { status: 201 }),
      new Response(JSON.stringify({ title: 'Not found', status: 404, code: 'API_KEY_NOT_FOUND' }), {
        status: 404,
      }),
    ]
    const fetcher = (async (url: string, init: RequestInit) => {
      seen.push({ url, init })
      const answer = answers.shift()
      if (!answer) throw new TypeError('Failed to fetch')
      return answer
    }) as unknown as typeof fetch
    const api = createApi(bases, async () => 'token-1', fetcher)
    expect(await api.send('POST', '/admin/v1/api-keys', { name: 'k' }, { 'idempotency-key': 'i1' })).toEqual({
      id: 'k1',
    })
    expect(seen[0]?.init.headers).toEqual({
      authorization: 'Bearer token-1',
      'idempotency-key': 'i1',
      'content-type': 'application/json',
    })
    expect(seen[0]?.init.body).toBe('{"name":"k"}')
    const missing = await api.get('/admin/v1/api-keys/x').catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(ApiError)
    expect((missing as ApiError).problem.code).toBe('API_KEY_NOT_FOUND')
    const offline = await api.get('/admin/v1/me').catch((e: unknown) => e)
    expect([(offline as ApiError).status, (offline as ApiError).problem.detail]).toEqual([
      0,
      'Failed to fetch',
    ])
  })
})
