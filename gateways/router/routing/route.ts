import { setTimeout as sleep } from 'node:timers/promises'
import { AppError } from '../../../domain/errors.ts'
import type { BackendHealth } from '../health/backend-health.ts'
import type { RoutedBackend, Strategy } from '../models.ts'
import {
  type AttemptRequest,
  type AttemptResult,
  attemptBackend,
  ClientGone,
  type Delivery,
} from './attempt.ts'
import type { LatencyTracker } from './latency.ts'
import { type Endpoint, endpointAdapter, type ProviderAdapter } from './provider-seam.ts'
import { orderBackends } from './strategy.ts'

// The attempts of one request across its model's backends (docs/routing.md#retries-and-time-limits):
// in strategy order, skipping backends whose circuit is open, until one delivers, a backend
// answers a client error (never retried), the attempts or the time run out, or the client leaves.

export interface RoutingDeps {
  health: BackendHealth
  latency: LatencyTracker
  random: () => number
  /** Most attempts of one request, its first included. */
  maxAttempts: number
  /** Everything before the first byte reaches the client: attempts and back-offs together. */
  totalTimeoutMs: number
  /** The longest Retry-After waited for; a backend asking more is not tried again. */
  maxRetryAfterMs: number
  /** Told each attempt's result (the `aiaas_backend_attempts_total` counter); absent in some tests. */
  countAttempt?: (backendId: string, result: 'success' | 'failure' | 'refused') => void
}

export interface RouteRequest extends AttemptRequest {
  /** The OpenAI endpoint asked for; chat when absent. */
  endpoint?: Endpoint
  backends: readonly RoutedBackend[]
  strategy: Strategy
  /** Told each backend as its attempt starts (a request finished meanwhile names it). */
  onAttempt?: (backend: RoutedBackend) => void
  /** Traces each attempt (gateways/router/call-trace.ts); absent when tracing is off. */
  traceAttempt?: (backend: RoutedBackend) => AttemptTrace
}

/** One attempt's trace: routing knows no tracer, only what to send and what to report. */
export interface AttemptTrace {
  /** Added to the attempt's upstream request: the W3C `traceparent` naming the attempt's span. */
  headers: Readonly<Record<string, string>>
  /** The attempt's result; null when it threw (the client left). */
  end(result: AttemptResult | null): void
}

/** The adapter, its upstream requests carrying `headers` too (whatever the provider). */
const withHeaders = (
  adapter: ProviderAdapter,
  headers: Readonly<Record<string, string>>,
): ProviderAdapter => ({
  ...adapter,
  chatRequest: (backend, body) => {
    const upstream = adapter.chatRequest(backend, body)
    return { ...upstream, headers: { ...upstream.headers, ...headers } }
  },
})

export type Routed =
  | Delivery
  | { kind: 'failed'; backend: RoutedBackend | null; error: AppError }
  | { kind: 'cancelled'; backend: RoutedBackend | null }

/** Full-jitter exponential back-off before trying a backend again: up to 100, 200, 400… ms. */
const backoffMs = (retry: number, random: () => number) => random() * Math.min(2000, 100 * 2 ** retry)

const noBackend = (model: string, reason: string) =>
  new AppError('BACKEND_UNAVAILABLE', `the backend of model ${model} is unavailable (${reason})`)

interface Cursor {
  next: number
  tried: Map<string, number>
}

/**
 * The next backend in order (wrapping around) that may be tried now (`waitFor` not null) and
 * whose circuit admits a request, with the wait before it; null when none.
 */
async function pick(
  order: readonly RoutedBackend[],
  health: BackendHealth,
  cursor: Cursor,
  waitFor: (backend: RoutedBackend) => number | null,
): Promise<{ backend: RoutedBackend; wait: number } | null> {
  for (let k = 0; k < order.length; k++) {
    const index = (cursor.next + k) % order.length
    const backend = order[index]
    const wait = backend ? waitFor(backend) : null
    // Asked last: admitting may take a half-open trial, which must then be made.
    if (backend && wait !== null && (await health.admit(backend.id))) {
      cursor.next = index + 1
      return { backend, wait }
    }
  }
  return null
}

/** How long to wait before this attempt; null when it would pass the cap or the deadline. */
function waitBefore(
  deps: RoutingDeps,
  backend: RoutedBackend,
  cursor: Cursor,
  deadline: number,
): number | null {
  const retryAfter = cursor.tried.get(backend.id)
  if (retryAfter === undefined) return 0
  if (retryAfter > deps.maxRetryAfterMs) return null
  const wait = Math.max(retryAfter, backoffMs(cursor.tried.size - 1, deps.random))
  return Date.now() + wait < deadline ? wait : null
}

/** One attempt at a picked backend, after its wait; its verdict reported to the health view. */
async function attemptAt(
  deps: RoutingDeps,
  request: RouteRequest,
  picked: { backend: RoutedBackend; wait: number; adapter: ProviderAdapter },
  deadline: number,
) {
  const { backend, wait, adapter } = picked
  let trace: AttemptTrace | undefined
  try {
    if (wait > 0) await sleep(wait, undefined, { signal: request.client })
    trace = request.traceAttempt?.(backend)
    const speaking = trace ? withHeaders(adapter, trace.headers) : adapter
    const result = await attemptBackend(backend, speaking, request, {
      limitMs: Math.max(1, Math.min(backend.timeout_ms, deadline - Date.now())),
      onHeaders: (ms) => deps.latency.observe(backend.id, ms),
    })
    trace?.end(result)
    // No call made (the adapter refused the body): nothing counted, a half-open trial given back,
    // so a circuit never closes without a real trial.
    if (result.verdict === null) deps.health.abandon(backend.id)
    else deps.health.report(backend.id, result.verdict)
    deps.countAttempt?.(backend.id, result.verdict ?? 'refused')
    return result
  } catch (error) {
    trace?.end(null)
    // No verdict (the client left, or a bug): a half-open trial held for it is given back.
    deps.health.abandon(backend.id)
    throw error
  }
}

/**
 * No backend of the model serves the endpoint, the caller's to fix (400): its providers lack it
 * (anthropic has no embeddings). Chat always has one: every provider has an adapter.
 */
function unspeakable(request: RouteRequest, endpoint: Endpoint): Routed {
  const providers = [...new Set(request.backends.map((b) => b.provider))].join(', ')
  const message = `The model \`${request.model}\` does not support /v1/${endpoint} (its provider: ${providers})`
  return {
    kind: 'failed',
    backend: request.backends[0] ?? null,
    error: new AppError('ENDPOINT_UNSUPPORTED', message, { param: 'model' }),
  }
}

export async function route(deps: RoutingDeps, request: RouteRequest): Promise<Routed> {
  const endpoint = request.endpoint ?? 'chat'
  const adapterOf = (backend: RoutedBackend) => endpointAdapter(backend, endpoint)
  const speakable = request.backends.filter((backend) => adapterOf(backend) !== null)
  if (speakable.length === 0) return unspeakable(request, endpoint)
  const order = orderBackends(request.strategy, speakable, {
    random: deps.random,
    latencyOf: deps.latency.latencyOf,
  })
  const deadline = Date.now() + deps.totalTimeoutMs
  const cursor: Cursor = { next: 0, tried: new Map() }
  // Made only when no attempt failed: an AppError captures a stack, too dear for every request.
  let last: { backend: RoutedBackend | null; error: AppError } | null = null
  let current: RoutedBackend | null = null
  try {
    for (let attempt = 0; attempt < deps.maxAttempts && Date.now() < deadline; attempt++) {
      const picked = await pick(order, deps.health, cursor, (b) => waitBefore(deps, b, cursor, deadline))
      const adapter = picked && adapterOf(picked.backend)
      if (!picked || !adapter) break
      current = picked.backend
      request.onAttempt?.(current)
      const result = await attemptAt(deps, request, { ...picked, adapter }, deadline)
      if ('delivered' in result) return result.delivered
      if ('refused' in result) return { kind: 'failed', backend: current, error: result.refused }
      // A backend that timed out already cost its whole timeout: it is not waited for twice.
      const again = result.error.code === 'BACKEND_TIMEOUT' ? Number.POSITIVE_INFINITY : result.retryAfterMs
      cursor.tried.set(current.id, again ?? 0)
      last = { backend: current, error: result.error }
    }
  } catch (error) {
    if (error instanceof ClientGone || request.client.aborted) return { kind: 'cancelled', backend: current }
    throw error
  }
  return {
    kind: 'failed',
    ...(last ?? { backend: null, error: noBackend(request.model, 'every backend is cooling down') }),
  }
}
