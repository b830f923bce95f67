import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockModel } from '../../../gateways/processes/separate.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../../support/embedded.ts'
import { eventually, freePort } from '../../support/processes.ts'
import { createOrgAndKey, type Endpoints, json, usageOf } from '../../support/walkthrough.ts'

// The embedded platform in this process, with extra models whose backends misbehave on purpose:
// every edge case of the routes, faults of the backend, and tenant isolation.
const ADMIN = TEST_ADMIN_TOKEN

/** What the dribbling backend saw of each stream: words sent, and whether its client hung up. */
const dribbles: { sent: number; closed: boolean }[] = []

function misbehavingBackend(): Server {
  return createServer((request, response) => {
    if (request.url?.startsWith('/slow')) {
      setTimeout(() => response.end('{}'), 3000).unref()
      return
    }
    if (request.url?.startsWith('/fail')) {
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}')
      return
    }
    if (request.url?.startsWith('/dribble')) {
      // Streams a word every 100 ms for 10 s: long enough for a client to walk away.
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      const seen = { sent: 0, closed: false }
      dribbles.push(seen)
      const timer = setInterval(() => {
        response.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'word ' } }] })}\n\n`,
        )
        if (++seen.sent === 100) {
          clearInterval(timer)
          response.end('data: [DONE]\n\n')
        }
      }, 100)
      response.on('close', () => {
        seen.closed = true
        clearInterval(timer)
      })
      return
    }
    // A stream that stops before [DONE].
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'half' } }] })}\n\n`)
    response.end()
  })
}

describe('embedded platform routes', () => {
  let platform: Awaited<ReturnType<typeof startEmbedded>>
  let backend: Server
  // The embedded echo backend is not on the public port: the echo model here is its own process.
  let mock: Awaited<ReturnType<typeof startMockModel>>
  let e: Endpoints
  let base: string

  beforeAll(async () => {
    backend = misbehavingBackend()
    const backendPort = await freePort()
    await new Promise<void>((resolve) => backend.listen(backendPort, '127.0.0.1', resolve))
    const closed = await freePort()
    const mockPort = String(await freePort())
    mock = await startMockModel(loadConfig({ AIAAS_MOCK_MODEL_PORT: mockPort, AIAAS_LOG_LEVEL: 'silent' }))
    const model = (name: string, url: string) => ({
      name,
      backend_url: url,
      input_usd_per_mtok: 1,
      output_usd_per_mtok: 2,
    })
    platform = await startEmbedded(() => ({
      AIAAS_MODELS: JSON.stringify([
        model('down', `http://127.0.0.1:${closed}/v1`),
        model('slow', `http://127.0.0.1:${backendPort}/slow`),
        model('failing', `http://127.0.0.1:${backendPort}/fail`),
        model('truncating', `http://127.0.0.1:${backendPort}/trunc`),
        model('dribbling', `http://127.0.0.1:${backendPort}/dribble`),
        model('echo', `${mock.url}/v1`),
      ]),
      AIAAS_DEFAULT_KEY_RPM: '5',
      AIAAS_BACKEND_TIMEOUT_MS: '500',
    }))
    base = platform.base
    e = platform.endpoints
  })

  afterAll(async () => {
    await platform?.stop()
    await mock?.stop()
    backend?.close()
  })

  const chat = (key: string, body: unknown) =>
    fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: json(key), body: JSON.stringify(body) })
  const hello = (model: string) => ({ model, messages: [{ role: 'user', content: 'hello' }] })

  it('validates admin input with problem+json 400s naming the field', async () => {
    const noName = await fetch(`${base}/admin/v1/organizations`, {
      method: 'POST',
      headers: json(ADMIN),
      body: '{}',
    })
    expect(noName.status).toBe(400)
    expect(noName.headers.get('content-type')).toContain('application/problem+json')
    expect(await noName.json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: expect.stringMatching(/name/),
    })

    const badOrg = await fetch(`${base}/admin/v1/api-keys`, {
      method: 'POST',
      headers: json(ADMIN),
      body: JSON.stringify({ organization_id: 'not-a-uuid', name: 'k' }),
    })
    expect(badOrg.status).toBe(400)

    const unknownOrg = await fetch(`${base}/admin/v1/api-keys`, {
      method: 'POST',
      headers: json(ADMIN),
      body: JSON.stringify({ organization_id: '0190a8e2-0000-7000-8000-000000000099', name: 'k' }),
    })
    expect(unknownOrg.status).toBe(404)
    expect(await unknownOrg.json()).toMatchObject({ code: 'ORG_NOT_FOUND' })

    const malformed = await fetch(`${base}/admin/v1/organizations`, {
      method: 'POST',
      headers: json(ADMIN),
      body: '{"name":',
    })
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ code: 'MALFORMED_JSON' })
  })

  it('validates inference input with OpenAI-shaped 400s', async () => {
    const { key } = await createOrgAndKey(e)
    const noMessages = await chat(key, { model: 'echo' })
    expect(noMessages.status).toBe(400)
    expect(await noMessages.json()).toMatchObject({
      error: { type: 'invalid_request_error', param: 'messages' },
    })

    const badJson = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: json(key),
      body: '[',
    })
    expect(badJson.status).toBe(400)
    expect(await badJson.json()).toMatchObject({ error: { code: 'malformed_json' } })

    const unknown = await chat(key, hello('gpt-nope'))
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: { code: 'model_not_found' } })

    const notFound = await fetch(`${base}/v1/nothing-here`, { headers: json(key) })
    expect(notFound.status).toBe(404)
    expect(await notFound.json()).toMatchObject({ error: { code: 'not_found' } })
  })

  it('maps backend faults to 502/504 within the backend timeout, and bills a cut stream', async () => {
    const { key } = await createOrgAndKey(e)
    const down = await chat(key, hello('down'))
    expect(down.status).toBe(502)
    expect(await down.json()).toMatchObject({ error: { code: 'backend_unavailable', type: 'api_error' } })

    const started = Date.now()
    const slow = await chat(key, hello('slow'))
    expect(slow.status).toBe(504)
    expect(Date.now() - started).toBeLessThan(2500)

    const failing = await chat(key, hello('failing'))
    expect(failing.status).toBe(502)
    expect(await failing.json()).toMatchObject({ error: { code: 'backend_error' } })

    const cut = await chat(key, { ...hello('truncating'), stream: true })
    const text = await cut.text()
    expect(text).toContain('"content":"half"')
    expect(text).toContain('"code":"backend_error"')
  })

  it('limits requests per key per minute with OpenAI-style 429 and headers', async () => {
    const { key } = await createOrgAndKey(e)
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await chat(key, hello('echo'))).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    const limited = await chat(key, hello('echo'))
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(await limited.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limited' } })
  })

  it('bills a stream the client walks away from, for what was generated, and stops the backend', async () => {
    const { key, organizationId } = await createOrgAndKey(e)
    const controller = new AbortController()
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: json(key),
      body: JSON.stringify({ ...hello('dribbling'), stream: true }),
      signal: controller.signal,
    })
    const reader = response.body!.getReader()
    let text = ''
    while ((text.match(/word/g) ?? []).length < 3) {
      const { value } = await reader.read()
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    const usage = await usageOf(e, organizationId, 1)
    expect(usage.data[0]).toMatchObject({ requests: 1, errors: 1 })
    expect(usage.data[0]?.output_tokens).toBeGreaterThan(0)
    expect(usage.data[0]?.output_tokens).toBeLessThan(100)
    expect(dribbles).toHaveLength(1)
    await eventually(
      async () => dribbles[0]?.closed,
      (closed) => closed === true,
      5000,
    )
    expect(dribbles[0]?.sent).toBeLessThan(100)
  })

  it('keeps tenants apart: one organization’s usage never shows in another’s', async () => {
    const a = await createOrgAndKey(e)
    const b = await createOrgAndKey(e)
    expect((await chat(a.key, hello('echo'))).status).toBe(200)
    expect((await chat(a.key, hello('echo'))).status).toBe(200)
    expect((await chat(b.key, hello('echo'))).status).toBe(200)
    const usageA = await usageOf(e, a.organizationId, 2)
    const usageB = await usageOf(e, b.organizationId, 1)
    expect(usageA.data.reduce((n, r) => n + r.requests, 0)).toBe(2)
    expect(usageB.data.reduce((n, r) => n + r.requests, 0)).toBe(1)
  })

  it('refuses admin and analytics calls without the admin token, and with an API key', async () => {
    const { key, organizationId } = await createOrgAndKey(e)
    const withKey = await fetch(`${base}/admin/v1/organizations/${organizationId}`, { headers: json(key) })
    expect(withKey.status).toBe(401)
    const analytics = await fetch(
      `${base}/analytics/v1/usage?organization_id=${organizationId}&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`,
      { headers: json(key) },
    )
    expect(analytics.status).toBe(401)
    expect(await analytics.json()).toMatchObject({ code: 'UNAUTHENTICATED' })
  })

  it('rejects analytics queries that are malformed or unbounded', async () => {
    const { organizationId } = await createOrgAndKey(e)
    const q = (params: string) =>
      fetch(`${base}/analytics/v1/usage?${params}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    expect((await q(`organization_id=${organizationId}&from=yesterday&to=2026-01-02T00:00:00Z`)).status).toBe(
      400,
    )
    expect(
      (await q(`organization_id=${organizationId}&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`)).status,
    ).toBe(400)
    expect(
      (await q(`organization_id=${organizationId}&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`)).status,
    ).toBe(400)
    const week = await q(
      `organization_id=${organizationId}&from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z&granularity=day`,
    )
    expect(week.status).toBe(200)
    expect(await week.json()).toMatchObject({ data: [], freshness: { last_event_at: null } })
  })

  it('serves health, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${base}/v1/status/readyz`)).status).toBe(200)
    expect((await fetch(`${base}/analytics/v1/status/readyz`)).status).toBe(200)
    const { key } = await createOrgAndKey(e)
    expect((await chat(key, hello('echo'))).status).toBe(200)
    expect((await chat(key, hello('down'))).status).toBe(502)
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toContain('aiaas_http_request_duration_seconds')
    expect(metrics).toContain('aiaas_inference_requests_total')
    // Each backend attempt by result (the down backend's refused connection is a failure), and the
    // answered request's time to first byte.
    expect(metrics).toMatch(/aiaas_backend_attempts_total\{backend="[^"]+",result="success"[^}]*\} [1-9]/)
    expect(metrics).toMatch(/aiaas_backend_attempts_total\{backend="[^"]+",result="failure"[^}]*\} [1-9]/)
    expect(metrics).toMatch(
      /aiaas_inference_ttfb_seconds_count\{[^}]*model="echo",streamed="false"[^}]*\} [1-9]/,
    )
  })
})
