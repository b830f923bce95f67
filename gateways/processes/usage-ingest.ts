import type { Config } from '../../infra/config/config.ts'
import type { Database } from '../../infra/ports/database.ts'
import type { UsageBatchHandler, UsageConsumer, UsageConsumerBatching } from '../../infra/ports/usage.ts'
import { ingestUsageBatch } from '../../projections/usage/ingest.ts'
import { recordQueueDepth } from '../../projections/usage/ingest-state.ts'

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
export function usageIngestHandler(
  db: Database,
  consumer: Pick<UsageConsumer, 'depth'>,
  log: IngestLog,
  now: () => Date,
): UsageBatchHandler {
  return async (events) => {
    const at = now()
    const outcome = await ingestUsageBatch(db, events, at)
    await consumer
      .depth()
      .then((depth) => recordQueueDepth(db, depth, at))
      .catch((error: unknown) => log.warn({ err: error }, 'could not record the usage queue depth'))
    return outcome
  }
}
