import { describe, expect, it } from 'vitest'
import type { Model } from '../../../gateways/router/models.ts'
import { keyRecord, monthlyBudget } from './key-record.ts'
import { routerApp } from './router-app.ts'

// The router's answers to hostile input (issue 5, section 2), on in-process adapters and a
// backend nobody listens on: each input must be a 4xx before the backend, the ledger or a 5xx
// metric is touched, and nothing the client sent may come back or be logged unbounded.
const echo: Model = {
  name: 'echo',
  backend_url: 'http://127.0.0.1:1/v1',
  input_usd_per_mtok: 1,
  output_usd_per_mtok: 1,
  max_output_tokens: 4096,
}

async function router(options: { rpm?: number; budgetUsd?: number | null } = {}) {
  const lines: string[] = []
  const { app, outcomes } = await routerApp({
    models: () => [echo],
    key: keyRecord({ budgets: monthlyBudget(options.budgetUsd ?? null) }),
    env: { AIAAS_DEFAULT_KEY_RPM: String(options.rpm ?? 1000) },
    logStream: { write: (l) => lines.push(l) },
  })
  return { app, lines, outcomes }
}

const headers = { authorization: 'Bearer sk-test', 'content-type': 'application/json' }
const hello = { model: 'echo', messages: [{ role: 'user', content: 'hi' }] }
const post = (payload: string | object, extra: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/v1/chat/completions',
  headers: { ...headers, ...extra },
  payload,
})

describe('router input bounds', () => {
  it('max_tokens 10000000000000 on an organization with a budget: 400 param max_tokens, no budget_unavailable', async () => {
    const { app, outcomes } = await router({ budgetUsd: 10 })
    const response = await app.inject(post({ ...hello, max_tokens: 10_000_000_000_000 }))
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      error: { type: 'invalid_request_error', param: 'max_tokens', code: 'validation_failed' },
    })
    expect(await outcomes()).not.toContain('budget_unavailable')
  })

  it("max_tokens or max_completion_tokens above the model's limit: 400 naming the param and the limit", async () => {
    const { app } = await router({ budgetUsd: 10 })
    for (const param of ['max_tokens', 'max_completion_tokens']) {
      const response = await app.inject(post({ ...hello, [param]: 4097 }))
      expect(response.statusCode).toBe(400)
      const body = response.json()
      expect(body).toMatchObject({ error: { param, code: 'validation_failed' } })
      expect(body.error.message).toContain('4096')
    }
  })

  it('a worst case above the whole budget is 429 budget_exceeded, never a ledger failure', async () => {
    const { app, outcomes } = await router({ budgetUsd: 0.000001 })
    const response = await app.inject(post({ ...hello, max_tokens: 4096, n: 128 }))
    expect(response.statusCode).toBe(429)
    expect(response.json()).toMatchObject({ error: { code: 'budget_exceeded' } })
    expect(await outcomes()).not.toContain('budget_unavailable')
  })

  it('an extra field nested 5,000 levels deep: 400 json_too_deep, the backend never called', async () => {
    const { app, outcomes } = await router()
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`
    const body = JSON.stringify(hello).replace(/}$/, `,"extra":${deep}}`)
    const response = await app.inject(post(body))
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ error: { code: 'json_too_deep', type: 'invalid_request_error' } })
    expect(await outcomes()).not.toContain('backend_unavailable')
  })

  it('a 3 MB model string: a small 400, and no log line near its size', async () => {
    const { app, lines } = await router()
    const model = 'm'.repeat(3 * 1024 * 1024)
    const response = await app.inject(post({ ...hello, model }))
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ error: { param: 'model' } })
    expect(response.body.length).toBeLessThan(1000)
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) expect(line.length).toBeLessThan(2000)
  })

  it('an unknown model is echoed clipped to 200 characters and "…", in the body and the log', async () => {
    const { app, lines } = await router()
    // Letters no request id, timestamp or field name contains.
    const model = `${'q'.repeat(200)}${'Z'.repeat(50)}`
    const response = await app.inject(post({ ...hello, model }))
    expect(response.statusCode).toBe(404)
    const message: string = response.json().error.message
    expect(message).toContain(`${'q'.repeat(200)}…`)
    expect(message).not.toContain('Z')
    expect(lines.join('\n')).not.toMatch(/qZ|ZZ/)
  })

  it('names with NUL or a lone surrogate, and content with NUL: 400 naming the field', async () => {
    const { app } = await router()
    const cases: [object, string][] = [
      [{ ...hello, model: 'echo\u0000' }, 'model'],
      [{ ...hello, model: '\ud800' }, 'model'],
      [{ model: 'echo', messages: [{ role: 'user', content: 'a\u0000b' }] }, 'messages.0.content'],
      [{ model: 'echo', messages: [{ role: 'user', content: 'x', name: '\udc00' }] }, 'messages.0.name'],
    ]
    for (const [body, param] of cases) {
      const response = await app.inject(post(body))
      expect(response.statusCode, param).toBe(400)
      expect(response.json().error.param).toBe(param)
    }
  })

  it('Content-Type text/plain: 415 in OpenAI shape', async () => {
    const { app } = await router()
    const response = await app.inject(post(JSON.stringify(hello), { 'content-type': 'text/plain' }))
    expect(response.statusCode).toBe(415)
    expect(response.json()).toMatchObject({ error: { code: 'unsupported_media_type' } })
  })

  it('GET on a POST route: 405 with Allow, in OpenAI shape on /v1 and problem+json elsewhere', async () => {
    const { app } = await router()
    const get = await app.inject({ method: 'GET', url: '/v1/chat/completions', headers })
    expect(get.statusCode).toBe(405)
    expect(get.headers.allow).toBe('POST')
    expect(get.json()).toMatchObject({ error: { code: 'method_not_allowed', type: 'invalid_request_error' } })
    const metrics = await app.inject({ method: 'DELETE', url: '/metrics' })
    expect(metrics.statusCode).toBe(405)
    expect(metrics.headers.allow).toBe('GET, HEAD')
    expect(metrics.headers['content-type']).toContain('application/problem+json')
    expect(metrics.json()).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' })
    const unknown = await app.inject({ method: 'GET', url: '/v1/nothing', headers })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.headers.allow).toBeUndefined()
  })

  it('requests that fail validation count against the key: the next valid one is 429', async () => {
    const { app } = await router({ rpm: 3 })
    const invalid = [
      post({ ...hello, model: 'no-such-model' }),
      post({ model: 'echo', messages: [] }),
      post('{"model":'),
    ]
    const statuses = []
    for (const request of invalid) statuses.push((await app.inject(request)).statusCode)
    expect(statuses).toEqual([404, 400, 400])
    const valid = await app.inject(post(hello))
    expect(valid.statusCode).toBe(429)
    expect(valid.json()).toMatchObject({ error: { code: 'rate_limited' } })
  })
})

describe('what a request writes in logs and headers', () => {
  it('a long URL is logged clipped, and an x-request-id that is not an id is replaced', async () => {
    const { app, lines } = await router()
    const path = `/v1/${'p'.repeat(10_000)}`
    const response = await app.inject({
      method: 'GET',
      url: path,
      headers: { 'x-request-id': `x y${'i'.repeat(500)}` },
    })
    expect(response.statusCode).toBe(404)
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(response.body.length).toBeLessThan(1000)
    for (const line of lines) expect(line.length).toBeLessThan(2000)
    expect(lines.some((line) => line.includes('"request completed"') && line.includes('pppp…'))).toBe(true)
    const kept = await app.inject({
      method: 'GET',
      url: '/v1/x',
      headers: { 'x-request-id': 'trace-42.a:b' },
    })
    expect(kept.headers['x-request-id']).toBe('trace-42.a:b')
  })
})
