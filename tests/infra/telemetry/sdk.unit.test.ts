import { context, propagation, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace'
import { SamplingDecision } from '@opentelemetry/sdk-trace'
import { afterEach, describe, expect, it } from 'vitest'
import { createRuntime } from '../../../gateways/processes/runtime.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { activeTracing, tracingEnabled } from '../../../infra/telemetry/active.ts'
import { samplerFrom } from '../../../infra/telemetry/sampler.ts'
import { serviceName, startTelemetry, type Telemetry, tracesUrl } from '../../../infra/telemetry/sdk.ts'
import { extractContext, traceHeaders } from '../../../infra/telemetry/tracing.ts'

// The SDK of one process (infra/telemetry/sdk.ts): off unless asked, the OpenTelemetry variables
// it honours, its resource, and a shutdown that exports what is still queued.

const started: Telemetry[] = []
afterEach(async () => {
  for (const telemetry of started.splice(0)) await telemetry.shutdown()
})

/** An exporter that keeps what it is given (the in-memory one forgets everything at shutdown). */
function keeping() {
  const spans: ReadableSpan[] = []
  const exporter: SpanExporter = {
    export: (batch, done) => {
      spans.push(...batch)
      done({ code: 0 })
    },
    shutdown: async () => {},
  }
  return { spans, exporter }
}

describe('the switch', () => {
  it('is off by default, on with AIAAS_TRACING=on, off again with OTEL_SDK_DISABLED=true', () => {
    expect(tracingEnabled(loadConfig({}))).toBe(false)
    expect(tracingEnabled(loadConfig({ AIAAS_TRACING: 'on' }))).toBe(true)
    expect(tracingEnabled(loadConfig({ AIAAS_TRACING: 'on', OTEL_SDK_DISABLED: 'TRUE' }))).toBe(false)
    expect(tracingEnabled(loadConfig({ AIAAS_TRACING: 'on', OTEL_SDK_DISABLED: 'false' }))).toBe(true)
    expect(() => loadConfig({ AIAAS_TRACING: 'yes' })).toThrow(/AIAAS_TRACING/)
  })

  it('off: no SDK, no tracing in the runtime', () => {
    expect(startTelemetry(loadConfig({}), 'router')).toBeNull()
    expect(activeTracing()).toBeNull()
    expect(createRuntime(loadConfig({ AIAAS_LOG_LEVEL: 'silent' }), 'router').tracing).toBeNull()
  })
})

describe('the OpenTelemetry variables', () => {
  it('the traces endpoint: as given, else the base endpoint + /v1/traces, else the local collector', () => {
    expect(tracesUrl(loadConfig({}))).toBe('http://localhost:4318/v1/traces')
    expect(tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toBe(
      'http://collector:4318/v1/traces',
    )
    const both = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/x',
    }
    expect(tracesUrl(loadConfig(both))).toBe('http://b/x')
  })

  it('service.name: aiaas-<process>, or OTEL_SERVICE_NAME', () => {
    expect(serviceName(loadConfig({}), 'ingest')).toBe('aiaas-ingest')
    expect(serviceName(loadConfig({ OTEL_SERVICE_NAME: 'gateway' }), 'router')).toBe('gateway')
  })

  it('samplers: a caller sampled flag decides under parentbased_*, the ratio and always_off drop', () => {
    const traceId = 'ffffffffffffffffffffffffffffffff'
    const decide = (
      name: Parameters<typeof samplerFrom>[0],
      ratio: number | undefined,
      parent = ROOT_CONTEXT,
    ) => samplerFrom(name, ratio).shouldSample(parent, traceId, 'x', SpanKind.SERVER, {}, []).decision
    const remote = (flags: TraceFlags) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId: 'ffffffffffffffff',
        traceFlags: flags,
        isRemote: true,
      })
    expect(decide('parentbased_always_on', undefined)).toBe(SamplingDecision.RECORD_AND_SAMPLED)
    expect(decide('parentbased_always_on', undefined, remote(TraceFlags.NONE))).toBe(
      SamplingDecision.NOT_RECORD,
    )
    expect(decide('parentbased_always_off', undefined, remote(TraceFlags.SAMPLED))).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    )
    expect(decide('always_off', undefined)).toBe(SamplingDecision.NOT_RECORD)
    expect(decide('traceidratio', 0)).toBe(SamplingDecision.NOT_RECORD)
    expect(decide('traceidratio', undefined)).toBe(SamplingDecision.RECORD_AND_SAMPLED)
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/)
  })
})

describe('on', () => {
  it('registers the tracing processes use, with the resource of the process; shutdown exports what is queued', async () => {
    const { spans, exporter } = keeping()
    const config = loadConfig({ AIAAS_TRACING: 'on', AIAAS_LOG_LEVEL: 'silent' })
    const telemetry = startTelemetry(config, 'projector', { exporter })!
    started.push(telemetry)
    expect(activeTracing()).toBe(telemetry.tracing)
    expect(createRuntime(config, 'projector').tracing).toBe(telemetry.tracing)
    // The W3C propagator and the context manager are the process's globals too.
    const caller = propagation.extract(ROOT_CONTEXT, {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    })
    expect(trace.getSpanContext(caller)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    const span = telemetry.tracing.tracer.startSpan('batch')
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => expect(trace.getActiveSpan()).toBe(span))
    span.end()
    // The batch processor waits 5 s before an export: only the shutdown's flush can send it now.
    expect(spans).toEqual([])
    started.splice(0)
    await telemetry.shutdown()
    expect(spans.map((s) => s.name)).toEqual(['batch'])
    const resource = spans[0]!.resource.attributes
    expect(resource['service.name']).toBe('aiaas-projector')
    expect(resource['service.version']).toMatch(/^\d+\.\d+\.\d+/)
    expect(resource['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(activeTracing()).toBeNull()
  })

  it('traceparent in and out: a child of the caller span is sent on as the parent', () => {
    const telemetry = startTelemetry(loadConfig({ AIAAS_TRACING: 'on' }), 'router', {
      exporter: keeping().exporter,
    })!
    started.push(telemetry)
    const { tracing } = telemetry
    const caller = extractContext(tracing, {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'a=1',
    })
    const span = tracing.tracer.startSpan('attempt', {}, caller)
    const out = traceHeaders(tracing, caller, span)
    expect(out.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanContext().spanId}-01`)
    expect(out.tracestate).toBe('a=1')
    span.end()
  })

  it('an export that fails is told to onError (spans dropped), the shutdown still resolves', async () => {
    const errors: unknown[] = []
    const exporter: SpanExporter = {
      export: (_batch, done) => done({ code: 1, error: new Error('collector refused') }),
      shutdown: async () => {},
    }
    const config = loadConfig({ AIAAS_TRACING: 'on' })
    const telemetry = startTelemetry(config, 'ingest', { exporter, onError: (error) => errors.push(error) })!
    telemetry.tracing.tracer.startSpan('batch').end()
    await expect(telemetry.shutdown()).resolves.toBeUndefined()
    expect(errors.map(String)).toEqual(['Error: collector refused'])
  })
})
