import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../../domain/errors.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/api-keys.ts'
import { type BackendResponse, postToBackend } from './backend.ts'
import { type ChatCompletionRequest, estimateTokens, promptText, withUsage } from './chat-schema.ts'
import type { Model } from './models.ts'
import type { RouterDeps } from './router-deps.ts'
import { estimatedOutputTokens, relaySse, type StreamOutcome } from './sse-relay.ts'
import { recordUsage } from './usage-recorder.ts'

interface Call {
  key: ApiKeyRecord
  model: Model
  body: ChatCompletionRequest
  started_at: number
}

async function readJson(backend: BackendResponse, model: Model): Promise<unknown> {
  try {
    return await backend.body.json()
  } catch {
    throw new AppError('BACKEND_ERROR', `the backend of model ${model.name} sent a body that is not JSON`)
  }
}

/** A backend 4xx is the provider's own OpenAI-shaped answer and is relayed; a 5xx becomes 502. */
async function relayFailure(
  deps: RouterDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  call: Call,
  backend: BackendResponse,
) {
  const input = estimateTokens(promptText(call.body))
  recordUsage(deps, request.log, {
    ...call,
    status: 'error',
    http_status: backend.status,
    input_tokens: input,
    output_tokens: 0,
    streamed: call.body.stream === true,
  })
  deps.metrics.inferenceRequests.inc({ model: call.model.name, outcome: 'backend_error' })
  if (backend.status >= 500) {
    await backend.body.dump()
    throw new AppError(
      'BACKEND_ERROR',
      `the backend of model ${call.model.name} failed (HTTP ${backend.status})`,
    )
  }
  return reply.code(backend.status).send(await readJson(backend, call.model))
}

async function complete(deps: RouterDeps, request: FastifyRequest, call: Call, backend: BackendResponse) {
  const json = await readJson(backend, call.model)
  const parsed = withUsage.safeParse(json)
  const usage = parsed.success ? parsed.data.usage : null
  recordUsage(deps, request.log, {
    ...call,
    status: 'ok',
    http_status: 200,
    input_tokens: usage?.prompt_tokens ?? estimateTokens(promptText(call.body)),
    output_tokens: usage?.completion_tokens ?? 0,
    streamed: false,
  })
  deps.metrics.inferenceRequests.inc({ model: call.model.name, outcome: 'ok' })
  return json
}

function stream(
  deps: RouterDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  call: Call,
  backend: BackendResponse,
) {
  const outcome: StreamOutcome = { usage: null, content_chars: 0, completed: false, error: null }
  const wantsUsage = call.body.stream_options?.include_usage === true
  async function* events() {
    try {
      yield* relaySse(backend.body, wantsUsage, outcome)
    } finally {
      // Runs on completion, on a backend failure and when the client disconnects: a partial
      // stream is billed for what was generated.
      backend.body.destroy()
      const ok = outcome.completed && outcome.error === null
      recordUsage(deps, request.log, {
        ...call,
        status: ok ? 'ok' : 'error',
        http_status: 200,
        input_tokens: outcome.usage?.prompt_tokens ?? estimateTokens(promptText(call.body)),
        output_tokens: outcome.usage?.completion_tokens ?? estimatedOutputTokens(outcome),
        streamed: true,
      })
      deps.metrics.inferenceRequests.inc({ model: call.model.name, outcome: ok ? 'ok' : 'stream_incomplete' })
    }
  }
  reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache')
  return reply.send(Readable.from(events()))
}

async function enforceRateLimit(deps: RouterDeps, reply: FastifyReply, key: ApiKeyRecord, model: Model) {
  const decision = await deps.limiter.hit(`rpm:key:${key.api_key_id}`, deps.keyRpm, 60_000)
  reply.header('x-ratelimit-limit-requests', decision.limit)
  reply.header('x-ratelimit-remaining-requests', decision.remaining)
  reply.header('x-ratelimit-reset-requests', `${Math.ceil(decision.reset_ms / 1000)}s`)
  if (!decision.allowed) {
    deps.metrics.inferenceRequests.inc({ model: model.name, outcome: 'rate_limited' })
    reply.header('retry-after', Math.ceil(decision.reset_ms / 1000))
    throw new AppError(
      'RATE_LIMITED',
      `Rate limit reached: ${decision.limit} requests per minute for this key`,
    )
  }
}

/** POST /v1/chat/completions (and /v1/inference): authenticate, limit, route, relay, meter. */
export async function chatCompletions(
  deps: RouterDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  key: ApiKeyRecord,
  body: ChatCompletionRequest,
) {
  const model = deps.models.get(body.model)
  await enforceRateLimit(deps, reply, key, model)
  const call: Call = { key, model, body, started_at: deps.now().getTime() }
  // Usage is always asked of the backend, so a stream is metered exactly (ARCHITECTURE.md).
  const payload = body.stream
    ? { ...body, stream_options: { ...body.stream_options, include_usage: true } }
    : body
  let backend: BackendResponse
  try {
    backend = await postToBackend(model, '/chat/completions', payload, { timeoutMs: deps.backendTimeoutMs })
  } catch (error) {
    const input = estimateTokens(promptText(body))
    recordUsage(deps, request.log, {
      ...call,
      status: 'error',
      http_status: 502,
      input_tokens: input,
      output_tokens: 0,
      streamed: body.stream === true,
    })
    deps.metrics.inferenceRequests.inc({ model: model.name, outcome: 'backend_unavailable' })
    throw error
  }
  if (backend.status >= 400) return relayFailure(deps, request, reply, call, backend)
  return body.stream ? stream(deps, request, reply, call, backend) : complete(deps, request, call, backend)
}
