import type { FastifyBaseLogger } from 'fastify'
import type { UsageEvent, UsagePublisher } from '../../infra/ports/usage.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/api-keys.ts'
import type { Metrics } from '../http/metrics.ts'
import { costUsd, type Model } from './models.ts'

export interface UsageRecorderDeps {
  usage: UsagePublisher
  metrics: Metrics
  now: () => Date
  newId: () => string
}

export interface RequestOutcome {
  key: ApiKeyRecord
  model: Model
  /** The backend that answered, or was tried last. */
  backend_url: string
  status: 'ok' | 'error'
  http_status: number
  input_tokens: number
  output_tokens: number
  /** `reported` when they are the backend's usage, `estimated` when the router counted them. */
  tokens_source: 'reported' | 'estimated'
  timing: RequestTiming
  streamed: boolean
  /** The caller went away before the response ended. */
  cancelled: boolean
}

/** What a request's path decides of its usage event; the rest is the call's. */
export type Result = Pick<
  RequestOutcome,
  'status' | 'http_status' | 'input_tokens' | 'output_tokens' | 'tokens_source' | 'cancelled'
>

/**
 * A request that failed before the model produced anything costs nothing: zero tokens by rule,
 * nothing estimated (the analyst's count of estimated events is of guessed counts).
 */
export const failed = (http_status: number): Result => ({
  status: 'error',
  http_status,
  input_tokens: 0,
  output_tokens: 0,
  tokens_source: 'reported',
  cancelled: false,
})

/** Token counts from the backend's usage when it gave one, else the router's own. */
export const sourceOf = (usage: unknown): Result['tokens_source'] => (usage ? 'reported' : 'estimated')

/**
 * A request's clock readings, on the monotonic clock (performance.now(), which a wall clock
 * change cannot move): latency and TTFB are both read from it, so TTFB never exceeds latency.
 */
export interface RequestTiming {
  /** When the request was admitted, the origin of latency_ms and ttfb_ms. */
  started: number
  /** When its first body byte was handed to the caller's socket; null while none was. */
  first_byte: number | null
}

export const startTiming = (): RequestTiming => ({ started: performance.now(), first_byte: null })

/** Marks the first body byte, once: later writes do not move it. */
export function markFirstByte(timing: RequestTiming): void {
  timing.first_byte ??= performance.now()
}

/** Milliseconds to a thousandth (a microsecond), enough for a histogram and tidy on the wire. */
const ms = (value: number) => Math.round(Math.max(0, value) * 1000) / 1000

/**
 * latency_ms to now and ttfb_ms to the first byte; a request that sent no byte (its client left
 * first) has no TTFB. Read after the first byte, so TTFB ≤ latency.
 */
function durations(timing: RequestTiming): Pick<UsageEvent, 'latency_ms' | 'ttfb_ms'> {
  const latency_ms = ms(performance.now() - timing.started)
  if (timing.first_byte === null) return { latency_ms }
  return { latency_ms, ttfb_ms: Math.min(latency_ms, ms(timing.first_byte - timing.started)) }
}

const hosts = new Map<string, string>()
/** A backend URL's host, parsed once: the catalogue has few URLs, every request names one. */
function hostOf(url: string): string {
  let host = hosts.get(url)
  if (host === undefined) {
    if (hosts.size >= 1000) hosts.clear()
    host = new URL(url).host
    hosts.set(url, host)
  }
  return host
}

/**
 * Emits the one usage event of a request, off the response path. In production the publisher is
 * the LMDB spool in front of RabbitMQ, so a refusal here means the local disk failed too: it is
 * counted and logged.
 */
export function recordUsage(
  deps: UsageRecorderDeps,
  log: FastifyBaseLogger,
  outcome: RequestOutcome,
): UsageEvent {
  const finished = deps.now()
  const event: UsageEvent = {
    id: deps.newId(),
    organization_id: outcome.key.organization_id,
    api_key_id: outcome.key.api_key_id,
    model: outcome.model.name,
    backend: hostOf(outcome.backend_url),
    status: outcome.status,
    http_status: outcome.http_status,
    input_tokens: outcome.input_tokens,
    output_tokens: outcome.output_tokens,
    cost_usd: costUsd(outcome.model, outcome.input_tokens, outcome.output_tokens),
    ...durations(outcome.timing),
    streamed: outcome.streamed,
    cancelled: outcome.cancelled,
    tokens_source: outcome.tokens_source,
    occurred_at: finished.toISOString(),
  }
  deps.metrics.inferenceTokens.inc({ model: event.model, direction: 'input' }, event.input_tokens)
  deps.metrics.inferenceTokens.inc({ model: event.model, direction: 'output' }, event.output_tokens)
  if (event.ttfb_ms !== undefined)
    deps.metrics.inferenceTtfb.observe(
      { model: event.model, streamed: String(event.streamed) },
      event.ttfb_ms / 1000,
    )
  deps.usage.publish(event).catch((error: unknown) => {
    deps.metrics.usagePublishFailures.inc()
    log.error({ err: error, usage_event_id: event.id }, 'usage event not published')
  })
  return event
}
