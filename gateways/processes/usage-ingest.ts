import type { Config } from '../../infra/config/config.ts'
import type { Database } from '../../infra/ports/database.ts'
import type {
  UsageBatchHandler,
  UsageConsumer,
  UsageConsumerBatching,
  UsageEvent,
} from '../../infra/ports/usage.ts'
import { type IngestOutcome, ingestUsageBatch } from '../../projections/usage/ingest.ts'
import { recordQueueDepth } from '../../projections/usage/ingest-state.ts'
import type { Metrics } from '../http/metrics.ts'

export interface IngestLog {
  warn(details: Record<string, unknown>, message: string): void
}

/** The consumer's batch bounds from the configuration (ingest process and embedded mode alike). */
export const ingestBatching = (config: Config): Pick<UsageConsumerBatching, 'maxEvents' | 'maxWaitMs'> => ({
  maxEvents: config.AIAAS_INGEST_BATCH_MAX_EVENTS,
  maxWaitMs: config.AIAAS_INGEST_BATCH_MAX_WAIT_MS,
})

// The handler both ingests run (the `ingest` process on RabbitMQ, embedded mode in-process): a
// batch stored in one transaction (an empty one is the idle heartbeat: everything delivered so far
// is stored), then the queue's depth recorded for GET /analytics/v1/status. Failing to record the
// depth is logged, not thrown: the batch is stored, and retrying it would only repeat that.
// Each batch's outcome is on /metrics (observe); a batch that throws is only timed.
export function usageIngestHandler(
  db: Database,
  consumer: Pick<UsageConsumer, 'depth'>,
  log: IngestLog,
  now: () => Date,
  metrics: IngestMetrics,
): UsageBatchHandler {
  return async (events) => {
    const at = now()
    const stopTimer = metrics.usageIngestBatch.startTimer()
    const outcome = await ingestUsageBatch(db, events, at).finally(stopTimer)
    observe(metrics, events, outcome, now())
    await consumer
      .depth()
      .then((depth) => recordQueueDepth(db, depth, at))
      .catch((error: unknown) => log.warn({ err: error }, 'could not record the usage queue depth'))
    return outcome
  }
}

export type IngestMetrics = Pick<Metrics, 'usageIngested' | 'usageIngestBatch' | 'usageIngestLag'>

/** A stored batch on /metrics: its events by outcome, and the lag of its oldest event at commit. */
function observe(
  metrics: IngestMetrics,
  events: readonly UsageEvent[],
  outcome: IngestOutcome,
  at: Date,
): void {
  metrics.usageIngested.inc({ outcome: 'stored' }, outcome.stored)
  metrics.usageIngested.inc({ outcome: 'duplicate' }, outcome.duplicates)
  metrics.usageIngested.inc({ outcome: 'rejected' }, outcome.rejected.length)
  let oldest = at.getTime()
  for (const event of events) oldest = Math.min(oldest, Date.parse(event.occurred_at))
  metrics.usageIngestLag.set(Math.max(0, (at.getTime() - oldest) / 1000))
}
