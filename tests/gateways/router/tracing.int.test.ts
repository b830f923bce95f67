import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { afterEach, describe, expect, it } from 'vitest'
import type { Tracing } from '../../../infra/telemetry/tracing.ts'
import { hangUp } from '../../support/hang-up.ts'
import { startMockAnthropic } from '../../support/mock-anthropic.ts'
import { type MockBackend, startMockBackend } from '../../support/mock-backend.ts'
import { anthropicAt, backendOn, routedModel, routingRouter } from './routing-router.ts'

// One trace per inference request (docs/observability.md, Traces): a router on in-process
// adapters in front of mock backends over loopback, its spans collected by an in-memory exporter.
// The caller's traceparent is continued, the request's spans hang under the server span, each
// backend attempt is a CLIENT span whose context the backend receives as its traceparent.
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

function collector() {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  closers.push(() => provider.shutdown())
  const tracing: Tracing = { tracer: provider.getTracer('test'), propagator: new W3CTraceContextPropagator() }
  return { provider, exporter, tracing }
}

async function mock(name: string): Promise<MockBackend> {
  const backend = await startMockBackend(name)
  closers.push(() => backend.close())
  return backend
}

async function router(...args: Parameters<typeof routingRouter>) {
  const started = await routingRouter(...args)
  closers.push(started.close)
  return started
}

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN = '00f067aa0ba902b7'
const PROMPT = 'the secret prompt text'
const callerHeaders = {
  'content-type': 'application/json',
  authorization: 'Bearer sk',
  traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
  tracestate: 'vendor=opaque',
}
const body = { model: 'm', messages: [{ role: 'user', content: PROMPT }], max_tokens: 50, temperature: 0.2 }
const post = (url: string, payload: object = body) =>
  fetch(url, { method: 'POST', headers: callerHeaders, body: JSON.stringify(payload) })

/** A W3C traceparent's trace id and parent span id. */
function parent(header: string | string[] | undefined) {
  const [version, traceId, spanId, flags] = String(header).split('-')
  return { version, traceId, spanId, flags }
}

const named = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name)
const only = (spans: ReadableSpan[], name: string) => {
  const found = named(spans, name)
  expect(found, name).toHaveLength(1)
  return found[0]!
}

/** Waits until the request's server span and its after-response spans (settle, usage) ended. */
async function requestSpans(exporter: InMemorySpanExporter) {
  await expect
    .poll(() => exporter.getFinishedSpans().map((span) => span.name))
    .toEqual(expect.arrayContaining(['POST /v1/chat/completions', 'aiaas.settle', 'aiaas.usage.publish']))
  return exporter.getFinishedSpans()
}

describe('tracing on', () => {
  it('a failover: one trace continued from the caller, two attempt spans (the first failed), usage on the spans', async () => {
    const [a, b] = [await mock('a'), await mock('b')]
    a.always({ status: 503 })
    const { exporter, tracing } = collector()
    const r = await router([routedModel([backendOn(a), backendOn(b, { priority: 1 })])], { tracing })
    const response = await post(r.url)
    expect(response.status).toBe(200)
    const spans = await requestSpans(exporter)

    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(new Set([CALLER_TRACE]))
    const server = only(spans, 'POST /v1/chat/completions')
    expect(server.kind).toBe(SpanKind.SERVER)
    expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN)
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'url.path': '/v1/chat/completions',
      'server.address': '127.0.0.1',
      'http.response.status_code': 200,
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'm',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
      'aiaas.organization.id': 'o1',
      'aiaas.api_key.id': 'k1',
    })

    // Every span of the request hangs directly under the server span.
    const children = [
      'aiaas.auth',
      'aiaas.admission',
      'chat upstream-m',
      'aiaas.settle',
      'aiaas.usage.publish',
    ]
    const under = spans.filter((span) => span.parentSpanContext?.spanId === server.spanContext().spanId)
    expect(under.map((span) => span.name).sort()).toEqual([...children, 'chat upstream-m'].sort())
    expect(only(spans, 'aiaas.auth').status.code).not.toBe(SpanStatusCode.ERROR)
    expect(only(spans, 'aiaas.admission').attributes['aiaas.admission.worst_tokens']).toBeGreaterThan(0)

    const attempts = named(spans, 'chat upstream-m')
    const first = attempts.find((span) => span.attributes['aiaas.backend.id'] === a.url)!
    const second = attempts.find((span) => span.attributes['aiaas.backend.id'] === b.url)!
    expect(first.kind).toBe(SpanKind.CLIENT)
    expect(first.status.code).toBe(SpanStatusCode.ERROR)
    expect(first.attributes['error.type']).toBe('BACKEND_ERROR')
    expect(second.status.code).not.toBe(SpanStatusCode.ERROR)
    expect(second.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'vllm',
      'gen_ai.request.model': 'upstream-m',
      'gen_ai.response.model': 'upstream-m',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 3,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(b.url).port),
      'http.response.status_code': 200,
    })

    // Each backend continues the trace under its own attempt's span; the caller's state goes along.
    const toA = parent(a.received[0]?.headers.traceparent)
    const toB = parent(b.received[0]?.headers.traceparent)
    expect(toA).toMatchObject({ version: '00', traceId: CALLER_TRACE, spanId: first.spanContext().spanId })
    expect(toB).toMatchObject({ version: '00', traceId: CALLER_TRACE, spanId: second.spanContext().spanId })
    expect(b.received[0]?.headers.tracestate).toBe('vendor=opaque')

    // Never the prompt or the completion in an attribute.
    const values = spans.flatMap((span) => Object.values(span.attributes).map(String))
    expect(values.filter((value) => value.includes(PROMPT) || value.includes('hello from'))).toEqual([])
  })

  it('a stream: its attempt span ends with the usage the stream reported', async () => {
    const b = await mock('b')
    const { exporter, tracing } = collector()
    const r = await router([routedModel([backendOn(b)])], { tracing })
    const response = await post(r.url, { ...body, stream: true })
    expect(response.status).toBe(200)
    await response.text()
    const spans = await requestSpans(exporter)
    const attempt = only(spans, 'chat upstream-m')
    expect(attempt.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 3,
    })
    expect(only(spans, 'POST /v1/chat/completions').attributes['aiaas.streamed']).toBe(true)
    expect(parent(b.received[0]?.headers.traceparent).spanId).toBe(attempt.spanContext().spanId)
  })

  it('/v1/completions and /v1/responses: their operation names and usage, streamed or not', async () => {
    const b = await mock('b')
    const { exporter, tracing } = collector()
    const r = await router([routedModel([backendOn(b)])], { tracing })
    const base = r.url.replace('/chat/completions', '')
    const calls = [
      {
        path: '/completions',
        payload: { model: 'm', prompt: PROMPT, max_tokens: 20 },
        operation: 'text_completion',
        input: 10,
      },
      {
        path: '/responses',
        payload: { model: 'm', input: PROMPT, max_output_tokens: 20 },
        operation: 'chat',
        input: 12,
      },
    ]
    for (const call of calls) {
      for (const stream of [false, true]) {
        exporter.reset()
        const response = await post(`${base}${call.path}`, { ...call.payload, stream })
        expect(response.status, `${call.path} ${stream}`).toBe(200)
        await response.text()
        const route = `POST /v1${call.path}`
        await expect.poll(() => named(exporter.getFinishedSpans(), 'aiaas.usage.publish')).toHaveLength(1)
        await expect.poll(() => named(exporter.getFinishedSpans(), route)).toHaveLength(1)
        const spans = exporter.getFinishedSpans()
        const usage = { 'gen_ai.usage.input_tokens': call.input, 'gen_ai.usage.output_tokens': 3 }
        expect(only(spans, route).attributes).toMatchObject({
          'gen_ai.operation.name': call.operation,
          'gen_ai.request.max_tokens': 20,
          ...usage,
        })
        expect(only(spans, `${call.operation} upstream-m`).attributes).toMatchObject(usage)
      }
    }
  })

  it('an Anthropic backend: its Messages request carries the attempt traceparent, the attempt names the provider', async () => {
    const anthropic = await startMockAnthropic({ apiKey: 'sk-ant-test' })
    closers.push(() => anthropic.close())
    const { exporter, tracing } = collector()
    const r = await router([routedModel([anthropicAt(anthropic.url, 'sk-ant-test')])], { tracing })
    const response = await post(r.url)
    expect(response.status).toBe(200)
    const spans = await requestSpans(exporter)
    const attempt = only(spans, 'chat claude-sonnet-4-5')
    expect(attempt.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
    })
    const sent = parent(anthropic.requests[0]?.headers.traceparent)
    expect(sent).toMatchObject({ traceId: CALLER_TRACE, spanId: attempt.spanContext().spanId })
  })

  it('without a caller traceparent: a trace of its own, rooted at the server span', async () => {
    const b = await mock('b')
    const { exporter, tracing } = collector()
    const r = await router([routedModel([backendOn(b)])], { tracing })
    const response = await fetch(r.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk' },
      body: JSON.stringify(body),
    })
    expect(response.status).toBe(200)
    const spans = await requestSpans(exporter)
    const server = only(spans, 'POST /v1/chat/completions')
    expect(server.parentSpanContext).toBeUndefined()
    expect(server.spanContext().traceId).not.toBe(CALLER_TRACE)
    expect(parent(b.received[0]?.headers.traceparent).traceId).toBe(server.spanContext().traceId)
  })

  it('a client that leaves mid-stream: the attempt span fails as cancelled, the request span ends too', async () => {
    const b = await mock('b')
    b.always({ reply: 'one two three four five six seven eight', tokenIntervalMs: 50 })
    const { exporter, tracing } = collector()
    const r = await router([routedModel([backendOn(b)])], { tracing })
    await hangUp(r.url, { ...body, stream: true }, null)
    await expect.poll(() => named(exporter.getFinishedSpans(), 'chat upstream-m')).toHaveLength(1)
    await expect.poll(() => named(exporter.getFinishedSpans(), 'POST /v1/chat/completions')).toHaveLength(1)
    const attempt = only(exporter.getFinishedSpans(), 'chat upstream-m')
    expect(attempt.status.code).toBe(SpanStatusCode.ERROR)
    expect(attempt.attributes['error.type']).toBe('cancelled')
    const server = only(exporter.getFinishedSpans(), 'POST /v1/chat/completions')
    expect(server.attributes['error.type']).toBe('cancelled')
    expect(server.attributes['http.response.status_code']).toBeUndefined()
  })

  it('every attempt failed: the server span fails with the error code of the 502', async () => {
    const a = await mock('a')
    a.always({ status: 503 })
    const { exporter, tracing } = collector()
    const r = await router([routedModel([backendOn(a)])], { tracing, routing: { maxAttempts: 1 } })
    const response = await post(r.url)
    expect(response.status).toBe(502)
    const spans = await requestSpans(exporter)
    const server = only(spans, 'POST /v1/chat/completions')
    expect(server.status.code).toBe(SpanStatusCode.ERROR)
    expect(server.attributes).toMatchObject({
      'http.response.status_code': 502,
      'error.type': 'BACKEND_ERROR',
    })
    expect(only(spans, 'chat upstream-m').status.code).toBe(SpanStatusCode.ERROR)
  })

  it('a budget refusal: the admission span fails with the refusal, no attempt is made', async () => {
    const b = await mock('b')
    const { exporter, tracing } = collector()
    const r = await router([routedModel([backendOn(b)])], { tracing, budgetUsd: 0.000001 })
    const response = await post(r.url)
    expect(response.status).toBe(429)
    await expect.poll(() => named(exporter.getFinishedSpans(), 'POST /v1/chat/completions')).toHaveLength(1)
    const spans = exporter.getFinishedSpans()
    const admission = only(spans, 'aiaas.admission')
    expect(admission.attributes['error.type']).toBe('BUDGET_EXCEEDED')
    expect(admission.status.code).toBe(SpanStatusCode.ERROR)
    expect(named(spans, 'chat upstream-m')).toEqual([])
    expect(only(spans, 'POST /v1/chat/completions').attributes['http.response.status_code']).toBe(429)
  })
})

describe('tracing off', () => {
  it('records no span, even with a tracer provider registered globally, and sends the backend no traceparent', async () => {
    const b = await mock('b')
    const { provider, exporter } = collector()
    trace.setGlobalTracerProvider(provider)
    closers.push(async () => trace.disable())
    const r = await router([routedModel([backendOn(b)])])
    const response = await post(r.url)
    expect(response.status).toBe(200)
    await expect.poll(() => r.events.length).toBe(1)
    expect(exporter.getFinishedSpans()).toEqual([])
    expect(b.received[0]?.headers.traceparent).toBeUndefined()
    expect(b.received[0]?.headers.tracestate).toBeUndefined()
  })
})
