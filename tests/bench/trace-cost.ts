import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace'
import { Pool } from 'undici'
import type { Tracing } from '../../infra/telemetry/tracing.ts'
import { backendOn, routedModel, routingRouter } from '../gateways/router/routing-router.ts'
import { startMockBackend } from '../support/mock-backend.ts'

// What the router's spans cost (docs/observability.md, Cost): one router in this process, on
// in-process adapters, in front of a mock backend, with tracing off and on (a BatchSpanProcessor
// whose exporter drops the spans: the cost of making and queueing them, not of sending them).
// CPU time of this whole process per request (router, mock backend and client together), runs
// alternated. Not a test and not in `make bench`: `node tests/bench/trace-cost.ts [requests]`.

const dropping: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} }
const BODY = JSON.stringify({
  model: 'm',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hello there' }],
})

async function run(tracing: Tracing | undefined, requests: number): Promise<number> {
  const backend = await startMockBackend('b')
  const key = { rpm_limit: 100_000_000 }
  const router = await routingRouter(
    [routedModel([backendOn(backend)])],
    tracing ? { tracing, key } : { key },
  )
  const url = new URL(router.url)
  const pool = new Pool(url.origin, { connections: 8 })
  const headers = {
    'content-type': 'application/json',
    authorization: 'Bearer sk',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  }
  const one = async () => {
    const response = await pool.request({ method: 'POST', path: url.pathname, headers, body: BODY })
    await response.body.dump()
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`)
  }
  for (let i = 0; i < 200; i++) await one()
  const before = process.cpuUsage()
  let next = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < requests) await one()
    }),
  )
  const used = process.cpuUsage(before)
  await pool.close()
  await router.close()
  await backend.close()
  return (used.user + used.system) / requests
}

const requests = Number(process.argv[2] ?? 3000)
const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: dropping })] })
const tracing: Tracing = { tracer: provider.getTracer('bench'), propagator: new W3CTraceContextPropagator() }
const rows: { run: number; off_us: number; on_us: number }[] = []
for (let round = 1; round <= 3; round++) {
  const off = await run(undefined, requests)
  const on = await run(tracing, requests)
  rows.push({ run: round, off_us: Math.round(off), on_us: Math.round(on) })
}
await provider.shutdown()
console.table(rows)
