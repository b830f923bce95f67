import { afterEach, describe, expect, it } from 'vitest'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { startMockBackend } from '../../support/mock-backend.ts'
import { eventually } from '../../support/processes.ts'
import { keyRecord, monthlyBudget } from './key-record.ts'
import { routerApp } from './router-app.ts'
import { backendOn, routedModel } from './routing-router.ts'

// A stream is written by the router's own relay loop, past fastify's reply.send (issue 12, "Time
// to first byte"): what a caller and an operator see of it must stay what a JSON answer gives —
// the request's id and limit headers, the request's log line and its HTTP duration metric.
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function setup() {
  const mock = await startMockBackend('a')
  closers.push(() => mock.close())
  const lines: string[] = []
  const events: UsageEvent[] = []
  const { app, metric } = await routerApp({
    models: () => [routedModel([backendOn(mock)])],
    key: keyRecord({ budgets: monthlyBudget(100) }),
    env: { AIAAS_DEFAULT_KEY_RPM: '1000' },
    usage: { publish: async (event: UsageEvent) => void events.push(event), close: async () => {} },
    logStream: { write: (line) => lines.push(line) },
  })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  closers.push(() => app.close())
  const post = (id: string, stream: boolean) =>
    fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream }),
    })
  return { post, lines, events, metric }
}

/** The response's own headers (x-…), by name, as a sorted list. */
const ownHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('x-')).sort()

describe('a streamed answer', () => {
  it("carries a JSON answer's headers (request id, limits) with the SSE type, and is logged and measured like one", async () => {
    const { post, lines, events, metric } = await setup()
    const json = await post('req-json-1', false)
    await json.json()
    const streamed = await post('req-stream-1', true)
    const text = await streamed.text()
    expect(streamed.status).toBe(200)
    expect(text).toContain('hello')
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(streamed.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(streamed.headers.get('cache-control')).toBe('no-cache')
    expect(streamed.headers.get('x-request-id')).toBe('req-stream-1')
    expect(ownHeaders(json)).toContain('x-ratelimit-remaining-requests')
    expect(ownHeaders(streamed)).toEqual(ownHeaders(json))
    expect(streamed.headers.get('x-ratelimit-limit-requests')).toBe('1000')
    const completed = await eventually(
      async () => lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request completed'),
      (found) => found.length === 2,
    )
    expect(completed.find((line) => line.reqId === 'req-stream-1')?.res?.statusCode).toBe(200)
    const durations = await metric('aiaas_http_request_duration_seconds')
    expect(durations).toMatch(/_count\{[^}]*route="\/v1\/chat\/completions"[^}]*status="200"[^}]*\} 2$/m)
    await eventually(
      async () => events.length,
      (n) => n === 2,
    )
    expect(events.find((event) => event.streamed)).toMatchObject({ status: 'ok', http_status: 200 })
  })
})
