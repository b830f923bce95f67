import { afterEach, describe, expect, it } from 'vitest'
import { type MockBackend, startMockBackend } from '../../support/mock-backend.ts'
import { backendOn, routedModel, routingRouter } from './routing-router.ts'

// Attempts across a model's backends (docs/routing.md#retries-and-time-limits), against mock
// backends over real HTTP: what fails over before the first byte, what is never retried, and
// what the client and the usage event see.
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function mocks<Names extends string[]>(...names: Names): Promise<{ [K in keyof Names]: MockBackend }> {
  const started = await Promise.all(names.map((name) => startMockBackend(name)))
  for (const mock of started) closers.push(() => mock.close())
  return started as { [K in keyof Names]: MockBackend }
}

async function router(...args: Parameters<typeof routingRouter>) {
  const started = await routingRouter(...args)
  closers.push(started.close)
  return started
}

const hello = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }
const post = (url: string, body: object = hello) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk' },
    body: JSON.stringify(body),
  })

/** The data payloads of an SSE body, in order. */
const dataOf = (text: string) =>
  text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice(6))

const contentOf = (data: string[]) =>
  data
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d) as { choices?: { delta?: { content?: string } }[] })
    .map((chunk) => chunk.choices?.[0]?.delta?.content ?? '')
    .join('')

describe('failover before the first byte', () => {
  it('a 5xx from the preferred backend: answered by the next, billed once, naming the backend that answered', async () => {
    const [a, b] = await mocks('a', 'b')
    a.always({ status: 503 })
    const attempts: Array<[string, string]> = []
    const countAttempt = (backend: string, result: string) => void attempts.push([backend, result])
    const r = await router([routedModel([backendOn(a), backendOn(b, { priority: 1 })])], {
      routing: { countAttempt },
    })
    const response = await post(r.url)
    expect(response.status).toBe(200)
    // What aiaas_backend_attempts_total counts: the failed attempt and the one that answered.
    expect(attempts).toEqual([
      [a.url, 'failure'],
      [b.url, 'success'],
    ])
    expect(await response.json()).toMatchObject({ choices: [{ message: { content: 'hello from b' } }] })
    expect([a.received.length, b.received.length]).toEqual([1, 1])
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({ status: 'ok', backend: new URL(b.url).host, input_tokens: 10 })
    // Settled after the response went out: wait for it.
    await expect.poll(() => r.ledger()).toMatchObject({ reserved_nanos: 0 })
  })

  it('each backend gets its own credential and upstream model name; unknown fields pass through', async () => {
    const [a, b] = await mocks('a', 'b')
    a.always({ status: 500 })
    const r = await router([
      routedModel([
        backendOn(a, { upstream_model: 'a-model' }),
        backendOn(b, { priority: 1, upstream_model: 'b-model' }),
      ]),
    ])
    const response = await post(r.url, { ...hello, brand_new_openai_param: { x: 1 } })
    expect(response.status).toBe(200)
    expect(a.received[0]?.headers.authorization).toBe('Bearer key-of-a')
    expect(b.received[0]?.headers.authorization).toBe('Bearer key-of-b')
    expect(a.received[0]?.body).toMatchObject({ model: 'a-model', brand_new_openai_param: { x: 1 } })
    expect(b.received[0]?.body).toMatchObject({ model: 'b-model', brand_new_openai_param: { x: 1 } })
  })

  it('a backend that sends no headers within its timeout_ms: abandoned (connection closed), the next answers', async () => {
    const [a, b] = await mocks('a', 'b')
    a.always({ stall: 'headers' })
    const r = await router([routedModel([backendOn(a, { timeout_ms: 300 }), backendOn(b, { priority: 1 })])])
    const response = await post(r.url)
    expect(response.status).toBe(200)
    await a.received[0]?.over
    expect(a.received[0]?.closedEarly).toBe(true)
    expect(b.received).toHaveLength(1)
  })

  it('a backend that timed out is not tried again in the same request: one 504 after one timeout', async () => {
    const [a] = await mocks('a')
    a.always({ stall: 'headers' })
    const r = await router([routedModel([backendOn(a, { timeout_ms: 300 })])])
    const response = await post(r.url)
    expect(response.status).toBe(504)
    expect(a.received).toHaveLength(1)
  })

  it('a JSON body that never comes (headers, then silence) fails over too: nothing reached the client yet', async () => {
    const [a, b] = await mocks('a', 'b')
    a.always({ stall: 'body' })
    const r = await router([routedModel([backendOn(a, { timeout_ms: 300 }), backendOn(b, { priority: 1 })])])
    const response = await post(r.url)
    expect(await response.json()).toMatchObject({ choices: [{ message: { content: 'hello from b' } }] })
  })

  it('a refused connection fails over; when every attempt fails the client gets one 502 and no charge', async () => {
    const [b] = await mocks('b')
    b.always({ status: 502 })
    const closed = { ...backendOn(b), id: 'closed', url: 'http://127.0.0.1:1/v1' }
    const r = await router([routedModel([closed, backendOn(b, { priority: 1 })])], {
      routing: { maxAttempts: 2 },
    })
    const response = await post(r.url)
    expect(response.status).toBe(502)
    expect(b.received).toHaveLength(1)
    expect(await response.json()).toMatchObject({ error: { code: 'backend_error', type: 'api_error' } })
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({ status: 'error', http_status: 502, cost_usd: 0 })
    await expect.poll(() => r.ledger()).toEqual({ spent_nanos: 0, reserved_nanos: 0 })
  })

  it('a client error (400) from a backend is relayed as it is and never retried', async () => {
    const [a, b] = await mocks('a', 'b')
    const error = {
      error: { message: 'context too long', type: 'invalid_request_error', param: 'messages', code: null },
    }
    a.always({ status: 400, error })
    const r = await router([routedModel([backendOn(a), backendOn(b, { priority: 1 })])])
    const response = await post(r.url)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual(error)
    expect(b.received).toHaveLength(0)
  })

  it('429 with Retry-After within the cap: the same backend is tried again after it', async () => {
    const [a] = await mocks('a')
    a.next({ status: 429, retryAfter: '1' })
    const r = await router([routedModel([backendOn(a)])])
    const response = await post(r.url)
    expect(response.status).toBe(200)
    expect(a.received).toHaveLength(2)
  })

  it('429 with a Retry-After over the cap and no other backend: 429 backend_rate_limited, not retried', async () => {
    const [a] = await mocks('a')
    a.always({ status: 429, retryAfter: '3600' })
    const r = await router([routedModel([backendOn(a)])])
    const response = await post(r.url)
    expect(response.status).toBe(429)
    expect(await response.json()).toMatchObject({
      error: { code: 'backend_rate_limited', type: 'rate_limit_error' },
    })
    expect(a.received).toHaveLength(1)
  })

  it('429 from one backend: another backend answers without waiting for the Retry-After', async () => {
    const [a, b] = await mocks('a', 'b')
    a.always({ status: 429, retryAfter: '3600' })
    const r = await router([routedModel([backendOn(a), backendOn(b, { priority: 1 })])])
    expect((await post(r.url)).status).toBe(200)
    expect(b.received).toHaveLength(1)
  })

  it('the total limit ends the attempts: 504 backend_timeout, each stalled backend abandoned', async () => {
    const [a, b] = await mocks('a', 'b')
    a.always({ stall: 'headers' })
    b.always({ stall: 'headers' })
    const r = await router([routedModel([backendOn(a), backendOn(b, { priority: 1 })])], {
      routing: { totalTimeoutMs: 400 },
    })
    const response = await post(r.url)
    expect(response.status).toBe(504)
    expect(await response.json()).toMatchObject({ error: { code: 'backend_timeout' } })
    await Promise.all([...a.received, ...b.received].map((x) => x.over))
    expect([...a.received, ...b.received].every((x) => x.closedEarly)).toBe(true)
  })
})

describe('connections', () => {
  it('requests to one backend reuse a keep-alive connection, streamed or not', async () => {
    const [a] = await mocks('a')
    const r = await router([routedModel([backendOn(a)])])
    for (let i = 0; i < 5; i++) {
      const response = await post(r.url, { ...hello, stream: i % 2 === 0 })
      expect(response.status).toBe(200)
      await response.text()
    }
    expect(a.received).toHaveLength(5)
    expect(a.connections()).toBe(1)
  })
})

describe('streams: the preamble is held, content is never replayed', () => {
  const streamed = { ...hello, stream: true }

  it('a stream cut after its role preamble, before content: fails over; the client sees one clean stream', async () => {
    const [a, b] = await mocks('a', 'b')
    a.always({ cutAfterPreamble: true })
    const r = await router([routedModel([backendOn(a), backendOn(b, { priority: 1 })])])
    const response = await post(r.url, streamed)
    expect(response.status).toBe(200)
    const data = dataOf(await response.text())
    expect(contentOf(data)).toBe('hello from b')
    expect(data.filter((d) => d.includes('"role":"assistant"'))).toHaveLength(1)
    expect(data.at(-1)).toBe('[DONE]')
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({ status: 'ok', streamed: true, backend: new URL(b.url).host })
  })

  it('a stream that goes silent after content: ended in-band after timeout_ms, the backend call closed, no replay', async () => {
    const [a, b] = await mocks('a', 'b')
    a.always({ reply: 'one two three four', stallAfterDeltas: 2 })
    const r = await router([routedModel([backendOn(a, { timeout_ms: 300 }), backendOn(b, { priority: 1 })])])
    const data = dataOf(await (await post(r.url, streamed)).text())
    expect(contentOf(data.slice(0, -1))).toBe('one two ')
    expect(JSON.parse(data.at(-1) ?? '')).toMatchObject({ error: { code: 'backend_error' } })
    await a.received[0]?.over
    expect(a.received[0]?.closedEarly).toBe(true)
    expect(b.received).toHaveLength(0)
    expect(r.events[0]).toMatchObject({ status: 'error', output_tokens: 2 })
  })

  it('a stream cut after content: no replay; an in-band error event ends it, no [DONE], what was sent is billed', async () => {
    const [a, b] = await mocks('a', 'b')
    a.always({ reply: 'one two three four five six', cutAfterDeltas: 2 })
    const r = await router([routedModel([backendOn(a), backendOn(b, { priority: 1 })])])
    const response = await post(r.url, streamed)
    expect(response.status).toBe(200)
    const data = dataOf(await response.text())
    expect(contentOf(data.slice(0, -1))).toBe('one two ')
    expect(JSON.parse(data.at(-1) ?? '')).toMatchObject({
      error: { code: 'backend_error', type: 'api_error' },
    })
    expect(data).not.toContain('[DONE]')
    expect(b.received).toHaveLength(0)
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({ status: 'error', streamed: true, output_tokens: 2 })
    expect(r.events[0]?.cost_usd).toBeGreaterThan(0)
    // Settled after the response went out: wait for it.
    await expect.poll(() => r.ledger()).toMatchObject({ reserved_nanos: 0 })
  })
})
