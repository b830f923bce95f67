import { type Context, context, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errorTypeOf, extractContext, type Tracing, withSpan } from '../../infra/telemetry/tracing.ts'

// One SERVER span per HTTP request (OpenTelemetry HTTP semantic conventions), continued from the
// caller's `traceparent`/`tracestate`. Installed by createServer only when tracing is on: off,
// no hook runs at all (ADR 0028). Scrapes and probes are not traced: they would be most traces.

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span; unset when tracing is off or the path is not traced. */
    traceSpan?: Span
    /** The server span's context, the parent of the request's own spans. */
    traceContext?: Context
    /** The code of the error the request failed with (onError), for `error.type` of a 5xx. */
    traceError?: string
  }
}

const pathOf = (url: string) => {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

const untraced = (path: string) =>
  path === '/metrics' || path.endsWith('/healthz') || path.endsWith('/readyz')

function serverAddress(request: FastifyRequest): { 'server.address'?: string; 'server.port'?: number } {
  // The Host header is the caller's to write: one that is no host is left out, never thrown.
  const url = URL.parse(`http://${request.host}`)
  if (!url?.hostname) return {}
  return { 'server.address': url.hostname, ...(url.port ? { 'server.port': Number(url.port) } : {}) }
}

function startServerSpan(tracing: Tracing, request: FastifyRequest, path: string): Context {
  const parent = extractContext(tracing, request.headers)
  const route = request.routeOptions.url
  const userAgent = request.headers['user-agent']
  const span = tracing.tracer.startSpan(
    route ? `${request.method} ${route}` : request.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'url.path': path,
        'url.scheme': request.protocol,
        ...serverAddress(request),
        ...(route ? { 'http.route': route } : {}),
        ...(userAgent ? { 'user_agent.original': userAgent } : {}),
      },
    },
    parent,
  )
  request.traceSpan = span
  request.traceContext = withSpan(parent, span)
  return request.traceContext
}

/** Ends the server span once; `status` null: no answer was sent (the client left). */
function endServerSpan(request: FastifyRequest, status: number | null): void {
  const span = request.traceSpan
  if (!span) return
  if (status === null) {
    span.setAttribute('error.type', 'cancelled')
    span.setStatus({ code: SpanStatusCode.ERROR })
  } else span.setAttribute('http.response.status_code', status)
  // A server span fails on a 5xx only: a 4xx is the caller's error, not the server's.
  if (status !== null && status >= 500) {
    span.setAttribute('error.type', request.traceError ?? String(status))
    span.setStatus({ code: SpanStatusCode.ERROR })
  }
  span.end()
  request.traceSpan = undefined
}

export function useServerSpans(app: FastifyInstance, tracing: Tracing): void {
  app.addHook('onRequest', (request, reply, done) => {
    const path = pathOf(request.url)
    if (untraced(path)) return done()
    const traced = startServerSpan(tracing, request, path)
    // A client that leaves mid-answer (a stream) ends it too: then neither onResponse nor
    // onRequestAbort comes. After a whole answer, 'close' follows 'finish': the status is known.
    reply.raw.once('close', () =>
      endServerSpan(request, reply.raw.writableFinished ? reply.statusCode : null),
    )
    // The rest of the request runs in its span's context, for code that reads the active span.
    context.with(traced, done)
  })
  app.addHook('onError', async (request, _reply, error) => {
    if (request.traceSpan) request.traceError = errorTypeOf(error)
  })
  app.addHook('onResponse', async (request, reply) => endServerSpan(request, reply.statusCode))
}
