import { randomUUID } from 'node:crypto'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { loggingErrorHandler, setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'
import packageJson from '../../package.json' with { type: 'json' }
import type { Config } from '../config/config.ts'
import { setActiveTracing, tracingEnabled } from './active.ts'
import { samplerFrom } from './sampler.ts'
import type { Tracing } from './tracing.ts'

// The OpenTelemetry SDK of one process (docs/observability.md, ADR 0028): off unless
// AIAAS_TRACING=on (and OTEL_SDK_DISABLED is not true). On, spans go through a BatchSpanProcessor
// to the OTLP/HTTP exporter; the W3C trace-context propagator and the AsyncLocalStorage context
// manager are registered globally too, so a library instrumented with @opentelemetry/api joins in.

export type TelemetryConfig = Pick<
  Config,
  | 'AIAAS_TRACING'
  | 'OTEL_SDK_DISABLED'
  | 'OTEL_SERVICE_NAME'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_TRACES_SAMPLER'
  | 'OTEL_TRACES_SAMPLER_ARG'
>

export interface Telemetry {
  tracing: Tracing
  /** Exports the spans still queued, then stops; the globals are unregistered. */
  shutdown(): Promise<void>
}

/** `service.instance.id` of this process: one per process start, as the conventions ask. */
const instanceId = randomUUID()

/** The spec's rule: the traces endpoint as given, else the base endpoint + `/v1/traces`. */
export function tracesUrl(config: TelemetryConfig): string {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318'
  return `${base.replace(/\/$/, '')}/v1/traces`
}

export const serviceName = (config: TelemetryConfig, processName: string): string =>
  config.OTEL_SERVICE_NAME ?? `aiaas-${processName}`

let active: Telemetry | null = null

export interface TelemetryOptions {
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter
  /** Told what the SDK fails at (an export the collector refused, or never got): spans dropped. */
  onError?: (error: unknown) => void
}

/**
 * Starts the SDK for `processName` when tracing is on (null otherwise). One per process: a second
 * start returns the first. Its shutdown never throws: a last export that fails goes to onError.
 */
export function startTelemetry(
  config: TelemetryConfig,
  processName: string,
  options: TelemetryOptions = {},
): Telemetry | null {
  const { exporter, onError } = options
  if (!tracingEnabled(config)) return null
  if (active) return active
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: serviceName(config, processName),
      [ATTR_SERVICE_VERSION]: packageJson.version,
      'service.instance.id': instanceId,
    }),
    sampler: samplerFrom(config.OTEL_TRACES_SAMPLER, config.OTEL_TRACES_SAMPLER_ARG),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: exporter ?? new OTLPTraceExporter({ url: tracesUrl(config) }) }),
    ],
  })
  const propagator = new W3CTraceContextPropagator()
  // Otherwise an export that fails is told to diag, which says nothing unless given a logger.
  if (onError) setGlobalErrorHandler(onError)
  trace.setGlobalTracerProvider(provider)
  propagation.setGlobalPropagator(propagator)
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  const telemetry: Telemetry = {
    tracing: { tracer: provider.getTracer('aiaas', packageJson.version), propagator },
    shutdown: async () => {
      if (active === telemetry) {
        active = null
        setActiveTracing(null)
      }
      try {
        await provider.shutdown()
      } catch (error) {
        onError?.(error)
      } finally {
        trace.disable()
        propagation.disable()
        context.disable()
        setGlobalErrorHandler(loggingErrorHandler())
      }
    },
  }
  active = telemetry
  setActiveTracing(telemetry.tracing)
  return telemetry
}
