import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApiKeyRecord } from '../../projections/api-keys/api-keys.ts'
import { errorCatalog, isErrorCode } from '../http/errors/catalog.ts'
import { toNanos } from './admission.ts'
import { type AdmitDeps, admit, type Hold, isRefused } from './admit.ts'
import {
  attemptTracer,
  type CallTrace,
  noteRefusal,
  noteResponse,
  requestSpan,
  spanUntil,
  startCallTrace,
  tracedUsage,
  traceOutcome,
} from './call-trace.ts'
import type { ChatCompletionRequest } from './chat-schema.ts'
import { chatEndpoint, type InferenceBody, type InferenceEndpoint } from './inference-endpoint.ts'
import { checkModelAllowed } from './model-access.ts'
import { backendsOf, type Model, type RoutedBackend } from './models.ts'
import type { RouterDeps } from './router-deps.ts'
import type { Delivery } from './routing/attempt.ts'
import type { Endpoint } from './routing/provider-seam.ts'
import { route } from './routing/route.ts'
import { refuseRoutingFields } from './routing/routing-fields.ts'
import { estimatedOutputTokens, relayEvents, type StreamOutcome } from './sse-relay.ts'
import { SSE_HEADERS, writeChunks } from './sse-reply.ts'
import {
  failed,
  markFirstByte,
  type RequestTiming,
  type Result,
  recordUsage,
  sourceOf,
  startTiming,
} from './usage-recorder.ts'

interface Call {
  key: ApiKeyRecord
  model: Model
  body: InferenceBody
  /** The endpoint's token reading of the body, bound to it. */
  estimatedInput: () => number
  usage: (json: unknown) => { input_tokens: number; output_tokens: number } | null
  streamUsage: 'on_request' | 'always'
  timing: RequestTiming
  /** The request's hold on the spend ledger, settled once in finish(). */
  hold: Hold
  /** The backend that answered (or was tried last); null before any attempt. */
  backend: RoutedBackend | null
  /** What a stream relayed so far, once it is being relayed. */
  stream: StreamOutcome | null
  finished: boolean
  /** The request's spans; null when tracing is off. */
  trace: CallTrace | null
}

/** nginx's "client closed request": the usage event of a request whose client went away. */
export const CLIENT_CLOSED = 499

const inputTokens = (call: Call) => call.stream?.usage?.prompt_tokens ?? call.estimatedInput()

/** A client that left is billed for the prompt (the backend read it) and the output so far. */
const cancelled = (call: Call): Result => ({
  status: 'error',
  http_status: CLIENT_CLOSED,
  input_tokens: inputTokens(call),
  output_tokens: call.stream
    ? (call.stream.usage?.completion_tokens ?? estimatedOutputTokens(call.stream))
    : 0,
  tokens_source: sourceOf(call.stream?.usage),
  cancelled: true,
})

/**
 * Ends every request the same way, exactly once: its one usage event, its metric, and its budget
 * hold settled with the same cost (or released when it cost nothing).
 */
function finish(deps: RouterDeps, request: FastifyRequest, call: Call, result: Result, outcome: string) {
  if (call.finished) return
  call.finished = true
  // A JSON or error answer is written whole as its request finishes: its first byte is now.
  if (!result.cancelled) markFirstByte(call.timing)
  const backend_url = call.backend?.url ?? call.model.backend_url
  const { trace } = call
  const recorder = trace ? { ...deps, usage: tracedUsage(trace, deps.usage) } : deps
  const event = recordUsage(recorder, request.log, {
    ...call,
    ...result,
    backend_url,
    streamed: call.body.stream === true,
  })
  deps.metrics.inferenceRequests.inc({ model: call.model.name, outcome })
  if (trace) traceOutcome(trace, event, outcome)
  // Settled with the cost of the usage event (a release when it cost nothing), tokens corrected.
  const tokens = event.input_tokens + event.output_tokens
  const settling = call.hold.settle(toNanos(event.cost_usd), tokens)
  ;(trace
    ? spanUntil(trace, 'aiaas.settle', settling, { 'aiaas.cost_usd': event.cost_usd })
    : settling
  ).catch((error: unknown) =>
    request.log.error({ err: error }, 'spend ledger hold not settled; its lease lapses by itself'),
  )
}

/** A JSON answer's usage result and outcome; finished by the caller once the answer is sent. */
function completed(call: Call, delivered: Delivery & { kind: 'json' }): { result: Result; outcome: string } {
  if (delivered.status >= 400) {
    // A backend's 4xx is the provider's own answer to this request, relayed as it is.
    return { result: failed(delivered.status), outcome: 'backend_error' }
  }
  const usage = call.usage(delivered.json)
  const result: Result = {
    status: 'ok',
    http_status: 200,
    input_tokens: usage?.input_tokens ?? inputTokens(call),
    output_tokens: usage?.output_tokens ?? 0,
    tokens_source: sourceOf(usage),
    cancelled: false,
  }
  return { result, outcome: 'ok' }
}

/** A relayed stream's usage result once it is over: completed, or failed at its backend. */
function streamed(call: Call, outcome: StreamOutcome): { result: Result; outcome: string } {
  const ok = outcome.completed && outcome.error === null
  const result: Result = {
    status: ok ? 'ok' : 'error',
    http_status: 200,
    input_tokens: inputTokens(call),
    output_tokens: outcome.usage?.completion_tokens ?? estimatedOutputTokens(outcome),
    tokens_source: sourceOf(outcome.usage),
    cancelled: false,
  }
  return { result, outcome: ok ? 'ok' : 'stream_incomplete' }
}

/**
 * Relays a stream from the handler's own loop, the reply hijacked (fastify's onResponse hooks,
 * the request's log line and metrics, still run when the response finishes): the headers the
 * request set (its id, the limit headers) leave with the held preamble in one write.
 */
function stream(
  deps: RouterDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  call: Call,
  delivered: Delivery & { kind: 'stream' },
) {
  const outcome: StreamOutcome = { usage: null, content_chars: 0, completed: false, error: null }
  call.stream = outcome
  const wantsUsage = call.streamUsage === 'always' || call.body.stream_options?.include_usage === true
  const chunks = relayEvents(delivered.held, delivered.events, wantsUsage, outcome)
  const headers = { ...reply.getHeaders(), ...SSE_HEADERS }
  const response = reply.hijack().raw
  const relay = async () => {
    try {
      await writeChunks(response, headers, chunks, () => markFirstByte(call.timing))
    } catch (error) {
      request.log.error({ err: error }, 'stream relay failed')
      response.destroy()
    } finally {
      // Runs on completion and on a backend failure; a client that left was finished on close.
      await delivered.events.return?.()
      delivered.close()
      const ended = streamed(call, outcome)
      finish(deps, request, call, ended.result, ended.outcome)
    }
    if (!response.destroyed) response.end()
  }
  // Not awaited: the handler returns the hijacked reply. A failure of the backend's cleanup is
  // logged and ends the client's connection, never an unhandled rejection or a hung client.
  relay().catch((error: unknown) => {
    request.log.error({ err: error }, 'stream cleanup failed')
    response.destroy()
  })
  return reply
}

const refusedOutcome: Record<string, string> = {
  RATE_LIMITED: 'rate_limited',
  BUDGET_EXCEEDED: 'budget_exceeded',
}

/** The admission's dependencies for one request: its log, and its key re-read after a change. */
export function admitDeps(deps: RouterDeps, request: FastifyRequest): AdmitDeps {
  return {
    ...deps.spend,
    now: deps.now,
    newId: deps.newId,
    log: request.log,
    refreshKey: async () => {
      await deps.spend.refresh()
      return deps.authenticate(request)
    },
  }
}

/** One admission on the spend ledger: its limit headers set, or the refusal thrown with them. */
async function admitCall(
  deps: RouterDeps,
  exchange: { request: FastifyRequest; reply: FastifyReply; key: ApiKeyRecord },
  model: Model,
  worst: { usd: number; tokens: number },
): Promise<Hold> {
  exchange.request.limitsCounted = true
  const answer = await requestSpan(deps, exchange.request, 'aiaas.admission', async (span) => {
    const answer = await admit(admitDeps(deps, exchange.request), exchange.key, {
      model,
      worst_usd: worst.usd,
      worst_tokens: worst.tokens,
    })
    if (isRefused(answer)) noteRefusal(span, answer.error.code)
    span?.setAttributes({
      'aiaas.admission.worst_usd': worst.usd,
      'aiaas.admission.worst_tokens': worst.tokens,
    })
    return answer
  })
  exchange.reply.headers(answer.headers)
  if (!isRefused(answer)) return answer
  const outcome = refusedOutcome[answer.error.code] ?? 'budget_unavailable'
  deps.metrics.inferenceRequests.inc({ model: model.name, outcome })
  throw answer.error
}

function checkRequest<B extends InferenceBody>(
  deps: RouterDeps,
  key: ApiKeyRecord,
  endpoint: InferenceEndpoint<B>,
  body: B,
): Model {
  refuseRoutingFields(body)
  const model = deps.models.get(body.model)
  try {
    checkModelAllowed(key, [body.model, model.name])
  } catch (error) {
    deps.metrics.inferenceRequests.inc({ model: model.name, outcome: 'model_not_allowed' })
    throw error
  }
  endpoint.checkOutput(model, body)
  return model
}

const failureOutcome: Record<string, string> = {
  BACKEND_TIMEOUT: 'backend_unavailable',
  BACKEND_UNAVAILABLE: 'backend_unavailable',
  BACKEND_RATE_LIMITED: 'backend_rate_limited',
  ENDPOINT_UNSUPPORTED: 'endpoint_unsupported',
}

/**
 * A client that goes away (before the first byte or mid-stream) aborts the backend call, which
 * frees its socket, and finishes the request as cancelled with what is known so far.
 */
function watchClient(deps: RouterDeps, request: FastifyRequest, reply: FastifyReply, call: Call) {
  const client = new AbortController()
  const gone = () => {
    if (reply.raw.writableFinished) return
    finish(deps, request, call, cancelled(call), 'cancelled')
    client.abort()
  }
  // A client that left while its request was being admitted: its close event has passed already.
  if (request.raw.socket?.destroyed) gone()
  else reply.raw.once('close', gone)
  return client.signal
}

/** Checks the request and admits its worst case on the spend ledger: the call, not yet routed. */
async function openCall<B extends InferenceBody>(
  deps: RouterDeps,
  exchange: { request: FastifyRequest; reply: FastifyReply; key: ApiKeyRecord },
  endpoint: InferenceEndpoint<B>,
  body: B,
): Promise<Call> {
  const { key } = exchange
  const model = checkRequest(deps, key, endpoint, body)
  const trace = startCallTrace(deps, exchange.request, { endpoint: endpoint.endpoint, key, model, body })
  const tokens = endpoint.worstCaseTokens(model, body)
  const worst = { usd: endpoint.worstCaseUsd(model, body), tokens: tokens.input + tokens.output }
  const hold = await admitCall(deps, exchange, model, worst)
  return {
    key,
    model,
    body,
    estimatedInput: () => endpoint.estimatedInput(body),
    usage: endpoint.usage,
    streamUsage: endpoint.streamUsage,
    timing: startTiming(),
    hold,
    backend: null,
    stream: null,
    finished: false,
    trace,
  }
}

function routeCall(deps: RouterDeps, call: Call, endpoint: Endpoint, client: AbortSignal) {
  const { body, model } = call
  // Usage is always asked of the backend (a Responses stream always ends with it), so a stream
  // is metered exactly (ARCHITECTURE.md).
  const payload =
    body.stream && call.streamUsage === 'on_request'
      ? { ...body, stream_options: { ...body.stream_options, include_usage: true } }
      : body
  return route(deps.routing, {
    endpoint,
    model: model.name,
    backends: backendsOf(model, deps.backendTimeoutMs),
    strategy: model.strategy ?? 'priority',
    body: payload,
    stream: body.stream === true,
    client,
    onAttempt: (backend) => {
      call.backend = backend
    },
    traceAttempt: call.trace ? attemptTracer(call.trace, payload) : undefined,
  })
}

/**
 * POST to one of the OpenAI endpoints (chat and text completions, embeddings, responses),
 * authenticated and limited: check, reserve, route, relay, meter.
 */
export async function inference<B extends InferenceBody>(
  deps: RouterDeps,
  exchange: { request: FastifyRequest; reply: FastifyReply; key: ApiKeyRecord },
  endpoint: InferenceEndpoint<B>,
  body: B,
) {
  const { request, reply } = exchange
  const call = await openCall(deps, exchange, endpoint, body)
  const client = watchClient(deps, request, reply, call)
  const routed = await routeCall(deps, call, endpoint.endpoint, client)
  call.backend = routed.backend
  if (routed.kind === 'cancelled') {
    finish(deps, request, call, cancelled(call), 'cancelled')
    return reply.hijack()
  }
  if (routed.kind === 'failed') {
    const status = isErrorCode(routed.error.code) ? errorCatalog[routed.error.code].status : 502
    finish(deps, request, call, failed(status), failureOutcome[routed.error.code] ?? 'backend_error')
    throw routed.error
  }
  if (routed.kind === 'stream') return stream(deps, request, reply, call, routed)
  const { result, outcome } = completed(call, routed)
  if (call.trace) noteResponse(call.trace, routed.json)
  // The answer goes to the socket first (fastify writes it within send()), then the usage event
  // and the settle: the caller does not wait for them.
  reply.code(routed.status).send(routed.json)
  finish(deps, request, call, result, outcome)
  return reply
}

/** POST /v1/chat/completions (and /v1/inference). */
export const chatCompletions = (
  deps: RouterDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  key: ApiKeyRecord,
  body: ChatCompletionRequest,
) => inference(deps, { request, reply, key }, chatEndpoint, body)
