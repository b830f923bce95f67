import { describe, expect, it } from 'vitest'
import { backendOn, routedModel } from '../routing-router.ts'
import { expectFirstByteTimed } from '../usage-timing.ts'
import { dataOf, mocks, post, surfaceRouter } from './surface-router.ts'

// /v1/completions, /v1/embeddings and /v1/responses through the routing engine, against mock
// backends over real HTTP: failover before the first byte, billing from each endpoint's usage,
// the one usage event, and the refusals every inference route makes before any backend call.

const bodies = {
  completions: { model: 'm', prompt: 'Say hi' },
  embeddings: { model: 'm', input: ['one', 'two'] },
  responses: { model: 'm', input: 'Say hi' },
} as const
type Path = keyof typeof bodies

describe('each endpoint fails over before the first byte and is billed once', () => {
  it('/v1/completions: a 503 from the preferred backend, answered by the next; billed on prompt and completion tokens', async () => {
    const [a, b] = await mocks('a', 'b')
    a?.always({ status: 503 })
    const r = await surfaceRouter([routedModel([backendOn(a!), backendOn(b!, { priority: 1 })])])
    const fields = {
      echo: true,
      logprobs: 2,
      seed: 5,
      stop: ['\n'],
      user: 'u',
      brand_new_openai_param: { x: 1 },
    }
    const response = await post(`${r.base}/completions`, { ...bodies.completions, ...fields })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      object: 'text_completion',
      choices: [{ text: 'hello from b' }],
    })
    // Every field the caller sent reaches the backend, an unknown new parameter too.
    expect(b?.received[0]?.body).toMatchObject(fields)
    expect(b?.received[0]).toMatchObject({
      path: '/v1/completions',
      body: { model: 'upstream-m', prompt: 'Say hi' },
    })
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({
      model: 'm',
      backend: new URL(b!.url).host,
      status: 'ok',
      http_status: 200,
      input_tokens: 10,
      output_tokens: 3,
      cost_usd: 13 / 1_000_000,
      streamed: false,
      cancelled: false,
      tokens_source: 'reported',
    })
    expectFirstByteTimed(r.events[0])
    expect(await r.ledger()).toMatchObject({ reserved_nanos: 0, spent_nanos: 13_000 })
  })

  it('/v1/completions streamed: a stream cut before its first text fails over; text relayed, [DONE], usage billed', async () => {
    const [a, b] = await mocks('a', 'b')
    a?.always({ cutAfterDeltas: 0 })
    const r = await surfaceRouter([routedModel([backendOn(a!), backendOn(b!, { priority: 1 })])])
    const response = await post(`${r.base}/completions`, { ...bodies.completions, stream: true })
    expect(response.status).toBe(200)
    const data = dataOf(await response.text())
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data
      .slice(0, -1)
      .map((d) => JSON.parse(d) as { choices: { text?: string }[]; usage?: unknown })
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe('hello from b')
    // The router asked for usage; the client did not, so the usage-only chunk is not relayed.
    expect(chunks.every((c) => c.usage === undefined)).toBe(true)
    expect(b?.received[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({
      status: 'ok',
      input_tokens: 10,
      output_tokens: 3,
      streamed: true,
      cancelled: false,
      tokens_source: 'reported',
    })
    expectFirstByteTimed(r.events[0])
  })

  it('/v1/embeddings: a 500 fails over; encoding_format and dimensions pass through; billed on input only', async () => {
    const [a, b] = await mocks('a', 'b')
    a?.always({ status: 500 })
    const r = await surfaceRouter([routedModel([backendOn(a!), backendOn(b!, { priority: 1 })])])
    const body = { ...bodies.embeddings, encoding_format: 'base64', dimensions: 256, user: 'u-1' }
    const response = await post(`${r.base}/embeddings`, body)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ object: 'list', data: [{ index: 0 }, { index: 1 }] })
    expect(b?.received[0]).toMatchObject({
      path: '/v1/embeddings',
      body: {
        model: 'upstream-m',
        input: ['one', 'two'],
        encoding_format: 'base64',
        dimensions: 256,
        user: 'u-1',
      },
    })
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({
      status: 'ok',
      input_tokens: 7,
      output_tokens: 0,
      cost_usd: 7 / 1_000_000,
    })
    expect(await r.ledger()).toMatchObject({ reserved_nanos: 0, spent_nanos: 7_000 })
  })

  it('/v1/embeddings takes token arrays', async () => {
    const [a] = await mocks('a')
    const r = await surfaceRouter([routedModel([backendOn(a!)])])
    const response = await post(`${r.base}/embeddings`, { model: 'm', input: [[1, 2, 3], [4]] })
    expect(response.status).toBe(200)
    expect(a?.received[0]?.body).toMatchObject({ input: [[1, 2, 3], [4]] })
  })

  it('/v1/responses: a 502 fails over; billed from input_tokens and output_tokens', async () => {
    const [a, b] = await mocks('a', 'b')
    a?.always({ status: 502 })
    const r = await surfaceRouter([routedModel([backendOn(a!), backendOn(b!, { priority: 1 })])])
    const tools = [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }]
    const response = await post(`${r.base}/responses`, { ...bodies.responses, tools, store: false })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      object: 'response',
      output: [{ content: [{ text: 'hello from b' }] }],
    })
    expect(b?.received[0]).toMatchObject({
      path: '/v1/responses',
      body: { model: 'upstream-m', tools, store: false },
    })
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({ status: 'ok', input_tokens: 12, output_tokens: 3, streamed: false })
  })

  it('/v1/responses streamed: a stream cut after its preamble fails over; its events relayed as sent, billed from response.completed', async () => {
    const [a, b] = await mocks('a', 'b')
    a?.always({ cutAfterPreamble: true })
    const r = await surfaceRouter([routedModel([backendOn(a!), backendOn(b!, { priority: 1 })])])
    const response = await post(`${r.base}/responses`, { ...bodies.responses, stream: true })
    expect(response.status).toBe(200)
    const text = await response.text()
    const events = dataOf(text).map((d) => JSON.parse(d) as { type: string; delta?: string })
    expect(events[0]?.type).toBe('response.created')
    expect(events.at(-1)?.type).toBe('response.completed')
    expect(
      events
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
    ).toBe('hello from b')
    // The Responses protocol has no [DONE], and the router's own reading of the events never shows.
    expect(text).not.toContain('[DONE]')
    expect(text).toContain('event: response.output_text.delta\n')
    expect(b?.received[0]?.body).not.toHaveProperty('stream_options')
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({ status: 'ok', input_tokens: 12, output_tokens: 3, streamed: true })
  })

  it('/v1/responses streamed, cut after content: ended with an in-band error, not replayed, billed for what was sent', async () => {
    const [a, b] = await mocks('a', 'b')
    a?.always({ reply: 'one two three four', cutAfterDeltas: 2 })
    const r = await surfaceRouter([routedModel([backendOn(a!), backendOn(b!, { priority: 1 })])])
    const response = await post(`${r.base}/responses`, { ...bodies.responses, stream: true })
    const events = dataOf(await response.text()).map((d) => JSON.parse(d) as Record<string, unknown>)
    expect(events.filter((e) => e.type === 'response.output_text.delta')).toHaveLength(2)
    expect(events.at(-1)).toMatchObject({ error: { code: 'backend_error' } })
    expect(b?.received).toHaveLength(0)
    expect(r.events).toHaveLength(1)
    // No response.completed came, so no usage: the router counted what it relayed.
    expect(r.events[0]).toMatchObject({
      status: 'error',
      http_status: 200,
      output_tokens: 2,
      streamed: true,
      cancelled: false,
      tokens_source: 'estimated',
    })
    expectFirstByteTimed(r.events[0])
  })
})

describe('an anthropic backend and the endpoints it does not serve', () => {
  it('a model whose backends are all anthropic refuses each with 400 endpoint_unsupported, calling nothing', async () => {
    const [a] = await mocks('a')
    const r = await surfaceRouter([routedModel([backendOn(a!, { provider: 'anthropic' })])])
    for (const path of Object.keys(bodies) as Path[]) {
      const response = await post(`${r.base}/${path}`, bodies[path])
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({
        error: { type: 'invalid_request_error', code: 'endpoint_unsupported', param: 'model' },
      })
    }
    expect(a?.received).toHaveLength(0)
    expect(await r.ledger()).toMatchObject({ reserved_nanos: 0, spent_nanos: 0 })
  })

  it('a model with an anthropic and a vllm backend sends them to the vllm one, even when anthropic is preferred', async () => {
    const [a, b] = await mocks('a', 'b')
    const r = await surfaceRouter([
      routedModel([backendOn(a!, { provider: 'anthropic' }), backendOn(b!, { priority: 1 })]),
    ])
    const response = await post(`${r.base}/embeddings`, bodies.embeddings)
    expect(response.status).toBe(200)
    expect([a?.received.length, b?.received.length]).toEqual([0, 1])
  })
})

describe('the refusals of every inference route, before any backend call', () => {
  for (const path of Object.keys(bodies) as Path[]) {
    it(`/v1/${path}: a routing field (400), a model the key may not use (403), a budget too small (429)`, async () => {
      const [a] = await mocks('a')
      const routed = [routedModel([backendOn(a!)])]
      const open = await surfaceRouter(routed)
      const redirected = await post(`${open.base}/${path}`, { ...bodies[path], api_base: 'http://evil' })
      expect(redirected.status).toBe(400)
      expect(await redirected.json()).toMatchObject({ error: { param: 'api_base' } })

      const barred = await surfaceRouter(routed, { key: { allowed_models: ['other'] } })
      const refused = await post(`${barred.base}/${path}`, bodies[path])
      expect(refused.status).toBe(403)
      expect(await refused.json()).toMatchObject({ error: { code: 'model_not_allowed' } })

      const poor = await surfaceRouter(routed, { budgetUsd: 0.000_001 })
      const over = await post(`${poor.base}/${path}`, {
        ...bodies[path],
        ...(path === 'embeddings' ? { input: 'x'.repeat(2000) } : {}),
      })
      expect(over.status).toBe(429)
      expect(await over.json()).toMatchObject({ error: { type: 'insufficient_quota' } })

      expect(a?.received).toHaveLength(0)
      expect([open.events, barred.events, poor.events].flat()).toHaveLength(0)
    })
  }
})

describe('bounds and backend answers of the new endpoints', () => {
  it('an output limit above the model’s is a 400 naming the field; a streamed embedding is a 400; nothing called', async () => {
    const [a] = await mocks('a')
    const r = await surfaceRouter([routedModel([backendOn(a!)])])
    const cases: Array<[string, object, string | null]> = [
      ['completions', { ...bodies.completions, max_tokens: 5000 }, 'max_tokens'],
      ['responses', { ...bodies.responses, max_output_tokens: 5000 }, 'max_output_tokens'],
      ['embeddings', { ...bodies.embeddings, stream: true }, null],
    ]
    for (const [path, body, param] of cases) {
      const response = await post(`${r.base}/${path}`, body)
      expect(response.status).toBe(400)
      const error = ((await response.json()) as { error: { type: string; param: string | null } }).error
      expect(error.type).toBe('invalid_request_error')
      if (param) expect(error.param).toBe(param)
    }
    expect(a?.received).toHaveLength(0)
  })

  it('a backend that answers 404 (it does not serve the endpoint) is relayed as is, not retried elsewhere', async () => {
    const [a, b] = await mocks('a', 'b')
    const notFound = { error: { message: 'no such route', type: 'invalid_request_error', code: 'not_found' } }
    a?.always({ status: 404, error: notFound })
    const r = await surfaceRouter([routedModel([backendOn(a!), backendOn(b!, { priority: 1 })])])
    const response = await post(`${r.base}/responses`, bodies.responses)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual(notFound)
    expect([a?.received.length, b?.received.length]).toEqual([1, 0])
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({
      status: 'error',
      http_status: 404,
      input_tokens: 0,
      output_tokens: 0,
      // Nothing was generated: zero by rule, not an estimate; the error answer is the first byte.
      tokens_source: 'reported',
      cancelled: false,
    })
    expectFirstByteTimed(r.events[0])
  })
})
