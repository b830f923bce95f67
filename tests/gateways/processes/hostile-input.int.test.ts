import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../../support/embedded.ts'
import { createOrgAndKey, json, usageOf } from '../../support/walkthrough.ts'

// Issue 5, section 2: each input that was sent from outside and got a 5xx (or a free endpoint),
// sent again exactly, through the embedded platform on a real port. Each must be a 4xx in the
// route's error shape: OpenAI's on /v1, problem+json elsewhere.
const ADMIN = TEST_ADMIN_TOKEN
const RPM = 30
let platform: Awaited<ReturnType<typeof startEmbedded>>
let base: string

beforeAll(async () => {
  platform = await startEmbedded(() => ({ AIAAS_DEFAULT_KEY_RPM: String(RPM) }))
  base = platform.base
})
afterAll(async () => {
  await platform?.stop()
})

const post = (path: string, token: string, body: string, type = 'application/json') =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...json(token), 'content-type': type },
    body,
  })
const problem = async (response: Response, status: number, code: string) => {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toContain('application/problem+json')
  expect(await response.json()).toMatchObject({ status, code })
}
const openAi = async (response: Response, status: number, code: string) => {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toContain('application/json')
  const body = (await response.json()) as { error: { code: string; param: string | null } }
  expect(body.error.code).toBe(code)
  return body.error
}
const metricLines = async () => {
  const text = await (await fetch(`${base}/metrics`)).text()
  return text.split('\n').filter((l) => l.startsWith('aiaas_inference_requests_total'))
}
/** Sends raw bytes and returns the raw answer, up to the server closing the connection. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(base)
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes))
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8')
    })
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
  })
}
const hello = (extra: object = {}) =>
  JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'hello' }], ...extra })

describe('no input yields a 5xx', () => {
  it('organization and API-key names with \\u0000 or a lone surrogate: 400 problem+json', async () => {
    for (const name of ['Acme\u0000', '\ud800', 'a\u0007b']) {
      const org = await post('/admin/v1/organizations', ADMIN, JSON.stringify({ name }))
      await problem(org, 400, 'VALIDATION_FAILED')
    }
    const { organizationId } = await createOrgAndKey(platform.endpoints)
    for (const name of ['key\u0000', 'key\ud800']) {
      const body = JSON.stringify({ organization_id: organizationId, name })
      await problem(await post('/admin/v1/api-keys', ADMIN, body), 400, 'VALIDATION_FAILED')
    }
  })

  it('GET /analytics/v1/usage from=0000-01-01T00:00:00Z, or a range too long: 400 problem+json', async () => {
    const { organizationId } = await createOrgAndKey(platform.endpoints)
    const usage = (from: string, to: string, granularity = 'hour') =>
      fetch(
        `${base}/analytics/v1/usage?organization_id=${organizationId}&from=${from}&to=${to}&granularity=${granularity}`,
        { headers: json(ADMIN) },
      )
    await problem(await usage('0000-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), 400, 'VALIDATION_FAILED')
    await problem(
      await usage('2026-01-01T00:00:00Z', '9999-12-31T00:00:00Z', 'day'),
      400,
      'VALIDATION_FAILED',
    )
    await problem(await usage('2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z'), 400, 'VALIDATION_FAILED')
    expect((await usage('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')).status).toBe(200)
  })

  it('max_tokens 10000000000000 on an organization with a budget: 400 param max_tokens, not budget_unavailable', async () => {
    const { organizationId, key } = await createOrgAndKey(platform.endpoints)
    const budget = await fetch(`${base}/admin/v1/organizations/${organizationId}/budget`, {
      method: 'PUT',
      headers: json(ADMIN),
      body: JSON.stringify({ monthly_limit_usd: 5 }),
    })
    expect(budget.status).toBe(200)
    const response = await post('/v1/chat/completions', key, hello({ max_tokens: 10_000_000_000_000 }))
    expect((await openAi(response, 400, 'validation_failed')).param).toBe('max_tokens')
    const aboveModel = await post('/v1/chat/completions', key, hello({ max_tokens: 4097 }))
    expect((await openAi(aboveModel, 400, 'validation_failed')).param).toBe('max_tokens')
    expect((await post('/v1/chat/completions', key, hello({ max_tokens: 4096 }))).status).toBe(200)
    expect((await metricLines()).join('\n')).not.toContain('budget_unavailable')
  })

  it('a chat body with an extra field nested 5,000 levels deep: 400 json_too_deep, no backend failure', async () => {
    const { key } = await createOrgAndKey(platform.endpoints)
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`
    const body = hello().replace(/}$/, `,"extra":${deep}}`)
    await openAi(await post('/v1/chat/completions', key, body), 400, 'json_too_deep')
    const deepAdmin = `{"name":"x","extra":${deep}}`
    await problem(await post('/admin/v1/organizations', ADMIN, deepAdmin), 400, 'JSON_TOO_DEEP')
    expect((await metricLines()).join('\n')).not.toMatch(/backend_unavailable|backend_error/)
  })

  it('a 3 MB model string is not echoed back', async () => {
    const { key } = await createOrgAndKey(platform.endpoints)
    const model = 'm'.repeat(3 * 1024 * 1024)
    const response = await post('/v1/chat/completions', key, JSON.stringify({ model, messages: [] }))
    expect(response.status).toBe(400)
    expect((await response.text()).length).toBeLessThan(1000)
  })

  it('Content-Type text/plain: 415 in each shape', async () => {
    const { key } = await createOrgAndKey(platform.endpoints)
    await openAi(
      await post('/v1/chat/completions', key, hello(), 'text/plain'),
      415,
      'unsupported_media_type',
    )
    const admin = await post('/admin/v1/organizations', ADMIN, '{"name":"x"}', 'text/plain')
    await problem(admin, 415, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it('GET on a POST route: 405 with Allow in each shape', async () => {
    const { key } = await createOrgAndKey(platform.endpoints)
    const v1 = await fetch(`${base}/v1/chat/completions`, { headers: json(key) })
    expect(v1.headers.get('allow')).toBe('POST')
    await openAi(v1, 405, 'method_not_allowed')
    // GET /admin/v1/api-keys lists keys; revoking one is POST only.
    const admin = await fetch(`${base}/admin/v1/api-keys/${crypto.randomUUID()}/revoke`, {
      headers: json(ADMIN),
    })
    expect(admin.headers.get('allow')).toBe('POST')
    await problem(admin, 405, 'METHOD_NOT_ALLOWED')
    const budget = await fetch(`${base}/admin/v1/organizations/${crypto.randomUUID()}/budget`, {
      method: 'POST',
      headers: json(ADMIN),
      body: '{}',
    })
    expect(budget.headers.get('allow')).toBe('PUT')
    await problem(budget, 405, 'METHOD_NOT_ALLOWED')
  })

  it('a path parameter that is bad percent-encoding or over 100 characters: 400 problem+json', async () => {
    const get = (param: string) => fetch(`${base}/admin/v1/organizations/${param}`, { headers: json(ADMIN) })
    await problem(await get('%80'), 400, 'MALFORMED_REQUEST')
    await problem(await get('%ED%A0%80'), 400, 'MALFORMED_REQUEST')
    const long = await get('x'.repeat(150))
    expect((await long.clone().text()).length).toBeLessThan(1000)
    await problem(long, 400, 'VALIDATION_FAILED')
  })

  it("Node's own 431 and 400 use our error shapes", async () => {
    const big = `X-Big: ${'a'.repeat(20_000)}\r\n`
    const v1 = await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\n${big}\r\n`)
    expect(v1).toMatch(/^HTTP\/1\.1 431 /)
    expect(v1).toContain('Content-Type: application/json')
    expect(v1).toContain('"code":"headers_too_large"')
    const admin = await raw(`GET /admin/v1/organizations HTTP/1.1\r\nHost: x\r\n${big}\r\n`)
    expect(admin).toMatch(/^HTTP\/1\.1 431 /)
    expect(admin).toContain('Content-Type: application/problem+json')
    expect(admin).toContain('"code":"HEADERS_TOO_LARGE"')
    const malformed = await raw('NOT A REQUEST\r\n\r\n')
    expect(malformed).toMatch(/^HTTP\/1\.1 400 /)
    expect(malformed).toContain('"code":"MALFORMED_REQUEST"')
  })

  it('authenticated requests that fail validation count against the key', async () => {
    const { key } = await createOrgAndKey(platform.endpoints)
    const invalid = [hello({ model: 'no-such-model' }), JSON.stringify({ model: 'echo', messages: [] })]
    for (let i = 0; i < RPM; i++) {
      const response = await post('/v1/chat/completions', key, invalid[i % 2] ?? '')
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(response.status).toBeLessThan(429)
    }
    await openAi(await post('/v1/chat/completions', key, hello()), 429, 'rate_limited')
  })

  it('the built-in model is not on the public port; echo through /v1 works and is metered', async () => {
    const { key, organizationId } = await createOrgAndKey(platform.endpoints)
    const direct = await fetch(`${base}/mock/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: hello(),
    })
    expect(direct.status).toBe(404)
    const routed = await post('/v1/chat/completions', key, hello())
    expect(routed.status).toBe(200)
    expect(await routed.json()).toMatchObject({ choices: [{ message: { content: 'hello' } }] })
    const usage = await usageOf(platform.endpoints, organizationId, 1)
    expect(usage.data.reduce((n, row) => n + row.requests, 0)).toBe(1)
  })
})
