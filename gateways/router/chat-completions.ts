import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../../domain/errors.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/api-keys.ts'
import { type BackendResponse, postToBackend } from './backend.ts'
import { type BudgetHold, reserveBudget } from './budget.ts'
import { type ChatCompletionRequest, estimateTokens, promptText, withUsage } from './chat-schema.ts'
import { checkModelAllowed } from './model-access.ts'
import type { Model } from './models.ts'
import { checkOutputLimit } from './output-limit.ts'
import type { RouterDeps } from './router-deps.ts'
import { estimatedOutputTokens, relaySse, type StreamOutcome } from './sse-relay.ts'
import { type RequestOutcome, recordUsage } from './usage-recorder.ts'

interface Call {
  key: ApiKeyRecord
  model: Model
  body: ChatCompletionRequest
  started_at: number
  hold: BudgetHold | null
}

type Result = Pick<RequestOutcome, 'status' | 'http_status' | 'input_tokens' | 'output_tokens'>

/** A request that failed before the model produced anything costs nothing. */
const failed = (http_status: number): Result => ({
  status: 'error',
  http_status,
  input_tokens: 0,
  output_tokens: 0,
})

/**
 * Ends every request the same way: its one usage event, its metric, and its budget hold settled
 * with the same cost (or released when it cost nothing).
 */
function finish(deps: RouterDeps, request: FastifyRequest, call: Call, result: Result, outcome: string) {
  const event = recordUsage(deps, request.log, { ...call, ...result, streamed: call.body.stream === true })
  deps.metrics.inferenceRequests.inc({ model: call.model.name, outcome })
  if (!call.hold) return
  const done = event.cost_usd > 0 ? call.hold.settle(event.cost_usd) : call.hold.release()
  done.catch((error: unknown) =>
    request.log.error({ err: error }, 'budget hold not settled; it expires by itself'),
  )
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
  finish(deps, request, call, failed(backend.status), 'backend_error')
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
  let json: unknown
  try {
    json = await readJson(backend, call.model)
  } catch (error) {
    finish(deps, request, call, failed(502), 'backend_error')
    throw error
  }
  const parsed = withUsage.safeParse(json)
  const usage = parsed.success ? parsed.data.usage : null
  const input_tokens = usage?.prompt_tokens ?? estimateTokens(promptText(call.body))
  finish(
    deps,
    request,
    call,
    { status: 'ok', http_status: 200, input_tokens, output_tokens: usage?.completion_tokens ?? 0 },
    'ok',
  )
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
      finish(
        deps,
        request,
        call,
        {
          status: ok ? 'ok' : 'error',
          http_status: 200,
          input_tokens: outcome.usage?.prompt_tokens ?? estimateTokens(promptText(call.body)),
          output_tokens: outcome.usage?.completion_tokens ?? estimatedOutputTokens(outcome),
        },
        ok ? 'ok' : 'stream_incomplete',
      )
    }
  }
  reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache')
  return reply.send(Readable.from(events()))
}

/** Counts the request against its key's per-minute limit; runs before the body is validated. */
export async function enforceRateLimit(deps: RouterDeps, reply: FastifyReply, key: ApiKeyRecord) {
  // A key's own limit, when it has one, replaces the platform default.
  const decision = await deps.limiter.hit(`rpm:key:${key.api_key_id}`, key.rpm_limit ?? deps.keyRpm, 60_000)
  reply.header('x-ratelimit-limit-requests', decision.limit)
  reply.header('x-ratelimit-remaining-requests', decision.remaining)
  reply.header('x-ratelimit-reset-requests', `${Math.ceil(decision.reset_ms / 1000)}s`)
  if (!decision.allowed) {
    // The body is not read yet, so the model is not known: label `*` (docs/errors.md).
    deps.metrics.inferenceRequests.inc({ model: '*', outcome: 'rate_limited' })
    reply.header('retry-after', Math.ceil(decision.reset_ms / 1000))
    throw new AppError(
      'RATE_LIMITED',
      `Rate limit reached: ${decision.limit} requests per minute for this key`,
    )
  }
}

async function reserve(deps: RouterDeps, key: ApiKeyRecord, model: Model, body: ChatCompletionRequest) {
  try {
    return await reserveBudget(deps, key, model, body)
  } catch (error) {
    const outcome =
      error instanceof AppError && error.code === 'BUDGET_EXCEEDED' ? 'budget_exceeded' : 'budget_unavailable'
    deps.metrics.inferenceRequests.inc({ model: model.name, outcome })
    throw error
  }
}

/** POST /v1/chat/completions (and /v1/inference), authenticated and limited: reserve, route, relay, meter. */
export async function chatCompletions(
  deps: RouterDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  key: ApiKeyRecord,
  body: ChatCompletionRequest,
) {
  const model = deps.models.get(body.model)
  try {
    checkModelAllowed(key, [body.model, model.name])
  } catch (error) {
    deps.metrics.inferenceRequests.inc({ model: model.name, outcome: 'model_not_allowed' })
    throw error
  }
  checkOutputLimit(model, body)
  const hold = await reserve(deps, key, model, body)
  const call: Call = { key, model, body, started_at: deps.now().getTime(), hold }
  // Usage is always asked of the backend, so a stream is metered exactly (ARCHITECTURE.md).
  const payload = body.stream
    ? { ...body, stream_options: { ...body.stream_options, include_usage: true } }
    : body
  let backend: BackendResponse
  try {
    backend = await postToBackend(model, '/chat/completions', payload, { timeoutMs: deps.backendTimeoutMs })
  } catch (error) {
    finish(deps, request, call, failed(502), 'backend_unavailable')
    throw error
  }
  if (backend.status >= 400) return relayFailure(deps, request, reply, call, backend)
  return body.stream ? stream(deps, request, reply, call, backend) : complete(deps, request, call, backend)
}
