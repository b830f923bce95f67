import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded } from '../../support/embedded.ts'
import { eventually } from '../../support/processes.ts'
import { createOrgAndKey, type Endpoints, json } from '../../support/walkthrough.ts'

// The router routes the model catalogue: a model created through the admin API is served by the
// embedded platform's router with its provider key sent to the backend, a change of price reaches
// the router within the catalogue's refresh, and a deleted model is no longer routed.
const PROVIDER_KEY = 'sk-provider-catalogue-0123456789abcdef'

const seen: IncomingHttpHeaders[] = []
const backend = createServer((request, response) => {
  seen.push(request.headers)
  request.resume()
  request.on('end', () => {
    response.setHeader('content-type', 'application/json')
    response.end(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 0,
        model: 'upstream',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1000, completion_tokens: 1000, total_tokens: 2000 },
      }),
    )
  })
})

let platform: Awaited<ReturnType<typeof startEmbedded>>
let e: Endpoints
let backendUrl: string

beforeAll(async () => {
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve))
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/v1`
  const seed = {
    name: 'seeded',
    backend_url: backendUrl,
    input_usd_per_mtok: 0.25,
    output_usd_per_mtok: 0.75,
  }
  platform = await startEmbedded(() => ({
    AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback',
    AIAAS_MODELS: JSON.stringify([seed]),
  }))
  e = platform.endpoints
})
afterAll(async () => {
  await platform?.stop()
  await new Promise((resolve) => backend.close(resolve))
})

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${e.admin}/admin/v1${path}`, {
    method,
    ...(body === undefined
      ? { headers: { authorization: `Bearer ${e.adminToken}` } }
      : { headers: json(e.adminToken), body: JSON.stringify(body) }),
  })
const chat = async (key: string, model: string) => {
  const response = await fetch(`${e.router}/v1/chat/completions`, {
    method: 'POST',
    headers: json(key),
    body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hello' }] }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
const listed = async (key: string) => {
  const response = await fetch(`${e.router}/v1/models`, { headers: json(key) })
  return ((await response.json()) as { data: { id: string }[] }).data.map((m) => m.id)
}

describe('the router and the model catalogue', () => {
  it('is seeded from AIAAS_MODELS on first start', async () => {
    const { key } = await createOrgAndKey(e)
    const seeded = await eventually(
      () => admin('GET', '/models/seeded'),
      (r) => r.status === 200,
      5000,
    )
    expect(await seeded.json()).toMatchObject({
      name: 'seeded',
      input_price_per_million_usd: '0.25',
      output_price_per_million_usd: '0.75',
      max_output_tokens: 32_768,
      backends: [{ url: backendUrl, provider: 'openai-compatible', api_key_set: false }],
    })
    expect((await chat(key, 'seeded')).status).toBe(200)
  })

  it('routes a catalogue model (and its alias) with its provider key; follows a delete', async () => {
    const { key } = await createOrgAndKey(e)
    const created = await admin('POST', '/models', {
      name: 'catalogue-model',
      aliases: ['cm'],
      input_price_per_million_usd: '1',
      output_price_per_million_usd: '2',
      max_output_tokens: 100,
      backends: [{ url: backendUrl, provider: 'vllm', api_key: PROVIDER_KEY, headers: { 'x-team': 'ml' } }],
    })
    expect(created.status).toBe(201)

    const answered = await eventually(
      () => chat(key, 'catalogue-model'),
      (r) => r.status === 200,
      5000,
    )
    expect(answered.body).toMatchObject({ object: 'chat.completion' })
    expect(seen.at(-1)).toMatchObject({ authorization: `Bearer ${PROVIDER_KEY}`, 'x-team': 'ml' })
    expect((await chat(key, 'cm')).status).toBe(200)
    expect(await listed(key)).toEqual(expect.arrayContaining(['catalogue-model', 'cm', 'seeded']))

    expect((await admin('DELETE', '/models/catalogue-model')).status).toBe(204)
    const gone = await eventually(
      () => chat(key, 'catalogue-model'),
      (r) => r.status === 404,
      5000,
    )
    expect(gone.body).toMatchObject({ error: { code: 'model_not_found' } })
  })

  it('a price change reaches the router: the next request is metered at the new price', async () => {
    const { key, organizationId } = await createOrgAndKey(e)
    const body = {
      name: 'priced',
      input_price_per_million_usd: '1',
      output_price_per_million_usd: '1',
      max_output_tokens: 100,
      backends: [{ url: backendUrl, provider: 'openai-compatible' }],
    }
    // A budget of $0.01 fits a worst case at $1/M tokens, not at $100,000/M. Set before the first
    // request: the router caches a key with its organization's budget.
    const budget = await admin('PUT', `/organizations/${organizationId}/budget`, { monthly_limit_usd: 0.01 })
    expect(budget.status).toBe(200)
    expect((await admin('POST', '/models', body)).status).toBe(201)
    await eventually(
      () => chat(key, 'priced'),
      (r) => r.status === 200,
      5000,
    )
    const patched = await admin('PATCH', '/models/priced', { input_price_per_million_usd: '100000' })
    expect(patched.status).toBe(200)
    const refused = await eventually(
      () => chat(key, 'priced'),
      (r) => r.status === 429,
      5000,
    )
    expect(refused.body).toMatchObject({ error: { type: 'insufficient_quota' } })
  })
})
