import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startMockModel } from '../../../gateways/processes/separate.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { activeTracing } from '../../../infra/telemetry/active.ts'

// A process started with AIAAS_TRACING=on, end to end inside this test process: `aiaas mock-model`
// (the lightest HTTP process: no database) exports its server spans over OTLP/HTTP to a stub
// collector, continued from the caller's traceparent, flushed when the process stops.

interface OtlpValue {
  stringValue?: string
  intValue?: string | number
}
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  attributes: { key: string; value: OtlpValue }[]
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: OtlpValue }[] }
    scopeSpans: { spans: OtlpSpan[] }[]
  }[]
}

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** An OTLP/HTTP JSON receiver: what each POST to /v1/traces carried. */
async function collector() {
  const received: OtlpExport[] = []
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = []
    for await (const part of req) parts.push(part as Buffer)
    if (req.url === '/v1/traces')
      received.push(JSON.parse(Buffer.concat(parts).toString('utf8')) as OtlpExport)
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }
}

const attribute = (list: { key: string; value: OtlpValue }[], key: string) => {
  const value = list.find((a) => a.key === key)?.value
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue))
}

describe('a process with AIAAS_TRACING=on', () => {
  it('exports a server span per request over OTLP, continued from the caller, flushed at stop', async () => {
    const otlp = await collector()
    const config = loadConfig({
      AIAAS_TRACING: 'on',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      AIAAS_MOCK_MODEL_PORT: '0',
      AIAAS_LOG_LEVEL: 'silent',
    })
    const running = await startMockModel(config)
    let stopped = false
    closers.push(async () => {
      if (!stopped) await running.stop()
    })
    expect(activeTracing()).not.toBeNull()
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    const response = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent },
      body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(response.status).toBe(200)
    expect((await fetch(`${running.url}/metrics`)).status).toBe(200)
    await running.stop()
    stopped = true
    expect(activeTracing()).toBeNull()

    const exported = otlp.received.flatMap((e) => e.resourceSpans)
    const spans = exported.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))
    // The scrape is not traced: the one span is the request's.
    expect(spans.map((s) => s.name)).toEqual(['POST /v1/chat/completions'])
    const [span] = spans
    expect(span?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    expect(span?.parentSpanId).toBe('00f067aa0ba902b7')
    expect(attribute(span?.attributes ?? [], 'http.response.status_code')).toBe(200)
    expect(attribute(span?.attributes ?? [], 'http.route')).toBe('/v1/chat/completions')
    expect(attribute(exported[0]?.resource.attributes ?? [], 'service.name')).toBe('aiaas-mock-model')
  })

  it('stops when the collector is unreachable, its spans dropped after the export timeout (OTEL_EXPORTER_OTLP_TIMEOUT)', async () => {
    // Read by the exporter itself from the environment (docs/observability.md); default 10 s.
    vi.stubEnv('OTEL_EXPORTER_OTLP_TIMEOUT', '500')
    closers.push(async () => void vi.unstubAllEnvs())
    const gone = await collector()
    await closers.pop()?.()
    const config = loadConfig({
      AIAAS_TRACING: 'on',
      OTEL_EXPORTER_OTLP_ENDPOINT: gone.url,
      AIAAS_MOCK_MODEL_PORT: '0',
      AIAAS_LOG_LEVEL: 'silent',
    })
    const running = await startMockModel(config)
    const response = await fetch(`${running.url}/v1/models`)
    expect(response.status).toBe(200)
    await expect(running.stop()).resolves.toBeUndefined()
    expect(activeTracing()).toBeNull()
    expect(gone.received).toEqual([])
  })
})
