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
  started_at: number
  streamed: boolean
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
    backend: new URL(outcome.backend_url).host,
    status: outcome.status,
    http_status: outcome.http_status,
    input_tokens: outcome.input_tokens,
    output_tokens: outcome.output_tokens,
    cost_usd: costUsd(outcome.model, outcome.input_tokens, outcome.output_tokens),
    latency_ms: Math.max(0, finished.getTime() - outcome.started_at),
    streamed: outcome.streamed,
    occurred_at: finished.toISOString(),
  }
  deps.metrics.inferenceTokens.inc({ model: event.model, direction: 'input' }, event.input_tokens)
  deps.metrics.inferenceTokens.inc({ model: event.model, direction: 'output' }, event.output_tokens)
  deps.usage.publish(event).catch((error: unknown) => {
    deps.metrics.usagePublishFailures.inc()
    log.error({ err: error, usage_event_id: event.id }, 'usage event not published')
  })
  return event
}
