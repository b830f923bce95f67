import {
  type Attributes,
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api'

// What the code that makes spans is given: a tracer and the W3C propagator. Passed explicitly
// (Runtime.tracing, RouterDeps.tracing), never read from the global API, so "tracing off" is the
// absence of this object: no hook, no span, no header (ADR 0028), and a test brings its own.
export interface Tracing {
  tracer: Tracer
  propagator: TextMapPropagator
}

type Headers = Readonly<Record<string, string | string[] | undefined>>

/** The caller's trace (W3C `traceparent`, `tracestate`) from request headers; the root when absent. */
export const extractContext = (tracing: Tracing, headers: Headers): Context =>
  tracing.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter)

/** A span's context as a parent for its children. */
export const withSpan = (parent: Context, span: Span): Context => trace.setSpan(parent, span)

/** `traceparent` (and `tracestate`) naming `span` as the parent, for an outgoing request. */
export function traceHeaders(tracing: Tracing, parent: Context, span: Span): Record<string, string> {
  const carrier: Record<string, string> = {}
  tracing.propagator.inject(withSpan(parent, span), carrier, defaultTextMapSetter)
  return carrier
}

/** An internal span under `parent`. */
export const startChild = (tracing: Tracing, parent: Context, name: string, attributes?: Attributes): Span =>
  tracing.tracer.startSpan(name, { kind: SpanKind.INTERNAL, ...(attributes ? { attributes } : {}) }, parent)

/** Ends a span as failed, with `error.type` (the semantic conventions' low-cardinality error name). */
export function endFailed(span: Span, errorType: string, message?: string): void {
  span.setAttribute('error.type', errorType)
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) })
  span.end()
}

/** The code of an error (AppError's `code`), else its class name: what `error.type` carries. */
export function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
    return error.code
  return error instanceof Error ? error.name : '_OTHER'
}

/**
 * Runs `work` in a span under `parent` (a root span when null), ended when it settles, failed
 * when it throws. `tracing` null: `work` alone, nothing allocated for a span.
 */
export async function inSpan<T>(
  tracing: Tracing | null | undefined,
  parent: Context | null,
  name: string,
  work: (span: Span | null) => Promise<T>,
  attributes?: Attributes,
): Promise<T> {
  if (!tracing) return work(null)
  const span = startChild(tracing, parent ?? ROOT_CONTEXT, name, attributes)
  try {
    const result = await work(span)
    span.end()
    return result
  } catch (error) {
    endFailed(span, errorTypeOf(error))
    throw error
  }
}
