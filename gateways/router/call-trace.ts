import { type Attributes, type Context, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { FastifyRequest } from 'fastify'
import type { UsageEvent, UsagePublisher } from '../../infra/ports/usage.ts'
import {
  endFailed,
  errorTypeOf,
  inSpan,
  startChild,
  type Tracing,
  traceHeaders,
} from '../../infra/telemetry/tracing.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/api-keys.ts'
import type { InferenceBody } from './inference-endpoint.ts'
import type { Model, RoutedBackend } from './models.ts'
import type { Endpoint } from './routing/provider-seam.ts'
import type { AttemptTrace } from './routing/route.ts'

// The spans of one inference request under its server span (gateways/http/tracing.ts): key
// authentication, admission, a CLIENT span per backend attempt, settle and the usage publish,
// with the GenAI semantic conventions' attributes (docs/observability.md, Traces). Never the
// prompt or the completion. Made only when tracing is on: off, `CallTrace` is null throughout.

export interface CallTrace {
  tracing: Tracing
  server: Span
  /** The server span's context: every span of the request hangs under it. */
  context: Context
  operation: string
  /** The attempt that delivered: ended with the request's usage once it finished. */
  delivering: Span | null
}

/** gen_ai.operation.name of each endpoint; a Responses call is a chat turn. */
const operations: Record<Endpoint, string> = {
  chat: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
  responses: 'chat',
}

/** gen_ai.provider.name: the conventions' names where one fits, else the catalogue's. */
const providerNames: Record<RoutedBackend['provider'], string> = {
  anthropic: 'anthropic',
  'openai-compatible': 'openai',
  vllm: 'vllm',
}

type Traced = { tracing?: Tracing | null | undefined }

/** Runs `work` in a span under the request's server span; without one, `work` alone. */
export function requestSpan<T>(
  deps: Traced,
  request: FastifyRequest,
  name: string,
  work: (span: Span | null) => Promise<T>,
): Promise<T> {
  if (!deps.tracing || !request.traceContext) return work(null)
  return inSpan(deps.tracing, request.traceContext, name, work)
}

const numberField = (body: InferenceBody, field: string): number | undefined => {
  const value = body[field]
  return typeof value === 'number' ? value : undefined
}

/** The request's parameters the conventions name, when given; never its text. */
function requestParameters(body: InferenceBody): Attributes {
  const maxTokens =
    numberField(body, 'max_tokens') ??
    numberField(body, 'max_completion_tokens') ??
    numberField(body, 'max_output_tokens')
  const temperature = numberField(body, 'temperature')
  const topP = numberField(body, 'top_p')
  return {
    ...(maxTokens !== undefined ? { 'gen_ai.request.max_tokens': maxTokens } : {}),
    ...(temperature !== undefined ? { 'gen_ai.request.temperature': temperature } : {}),
    ...(topP !== undefined ? { 'gen_ai.request.top_p': topP } : {}),
  }
}

/** A refused admission: its span failed with the refusal's code (RATE_LIMITED, BUDGET_EXCEEDED…). */
export function noteRefusal(span: Span | null, code: string): void {
  span?.setAttribute('error.type', code)
  span?.setStatus({ code: SpanStatusCode.ERROR })
}

/** The request's trace once its model is known: null when tracing is off. */
export function startCallTrace(
  deps: Traced,
  request: FastifyRequest,
  call: { endpoint: Endpoint; key: ApiKeyRecord; model: Model; body: InferenceBody },
): CallTrace | null {
  const server = request.traceSpan
  if (!deps.tracing || !server || !request.traceContext) return null
  const operation = operations[call.endpoint]
  server.setAttributes({
    'gen_ai.operation.name': operation,
    'gen_ai.request.model': call.body.model,
    ...requestParameters(call.body),
    'aiaas.model': call.model.name,
    'aiaas.organization.id': call.key.organization_id,
    'aiaas.api_key.id': call.key.api_key_id,
    'aiaas.streamed': call.body.stream === true,
  })
  return { tracing: deps.tracing, server, context: request.traceContext, operation, delivering: null }
}

function backendAddress(backend: RoutedBackend): Attributes {
  const url = URL.parse(backend.url)
  if (!url) return {}
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
  return { 'server.address': url.hostname, 'server.port': port }
}

/** A CLIENT span per attempt, named `{operation} {upstream model}` as the conventions ask. */
export function attemptTracer(trace: CallTrace, body: InferenceBody) {
  return (backend: RoutedBackend): AttemptTrace => {
    const span = trace.tracing.tracer.startSpan(
      `${trace.operation} ${backend.upstream_model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': trace.operation,
          'gen_ai.provider.name': providerNames[backend.provider],
          'gen_ai.request.model': backend.upstream_model,
          ...requestParameters(body),
          ...backendAddress(backend),
          'aiaas.backend.id': backend.id,
        },
      },
      trace.context,
    )
    return {
      headers: traceHeaders(trace.tracing, trace.context, span),
      end: (result) => {
        if (result === null) return endFailed(span, 'cancelled')
        if ('refused' in result) return endFailed(span, result.refused.code)
        if ('error' in result) return endFailed(span, result.error.code)
        const { delivered } = result
        if (delivered.kind === 'json') span.setAttribute('http.response.status_code', delivered.status)
        // Kept open until the answer is relayed whole: its usage is known then.
        trace.delivering = span
      },
    }
  }
}

/** What a completed JSON answer says of the model that answered and why it stopped. */
export function noteResponse(trace: CallTrace, json: unknown): void {
  if (typeof json !== 'object' || json === null) return
  const { model, choices } = json as { model?: unknown; choices?: unknown }
  const reasons = Array.isArray(choices)
    ? choices
        .map((choice: unknown) => (choice as { finish_reason?: unknown } | null)?.finish_reason)
        .filter((reason): reason is string => typeof reason === 'string')
    : []
  const attributes: Attributes = {
    ...(typeof model === 'string' ? { 'gen_ai.response.model': model } : {}),
    ...(reasons.length > 0 ? { 'gen_ai.response.finish_reasons': reasons } : {}),
  }
  trace.server.setAttributes(attributes)
  trace.delivering?.setAttributes(attributes)
}

/** The request's usage on its spans; the delivering attempt ends with it. */
export function traceOutcome(trace: CallTrace, event: UsageEvent, outcome: string): void {
  const usage = {
    'gen_ai.usage.input_tokens': event.input_tokens,
    'gen_ai.usage.output_tokens': event.output_tokens,
    'aiaas.usage.tokens_source': event.tokens_source,
    'aiaas.outcome': outcome,
  }
  trace.server.setAttributes(usage)
  const span = trace.delivering
  if (!span) return
  trace.delivering = null
  span.setAttributes(usage)
  // A stream cut or a client gone fails the attempt; a relayed 4xx is the backend's own error.
  if (event.status === 'error') endFailed(span, outcome)
  else span.end()
}

/** A span from now until `promise` settles (failed when it rejects); the promise is returned. */
export function spanUntil<T>(trace: CallTrace, name: string, promise: Promise<T>, attributes?: Attributes) {
  const span = startChild(trace.tracing, trace.context, name, attributes)
  promise.then(
    () => span.end(),
    (error: unknown) => endFailed(span, errorTypeOf(error)),
  )
  return promise
}

/**
 * The publisher of one request's usage event, its publish traced: from the enqueue into the
 * batch to the broker's confirm or the spool's write (the publish resolves then, ADR 0005).
 */
export const tracedUsage = (trace: CallTrace, usage: UsagePublisher): UsagePublisher => ({
  publish: (event) =>
    spanUntil(trace, 'aiaas.usage.publish', usage.publish(event), { 'aiaas.usage.event_id': event.id }),
  close: () => usage.close(),
})
