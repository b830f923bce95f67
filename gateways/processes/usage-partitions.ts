import type { FastifyInstance } from 'fastify'
import type { Config } from '../../infra/config/config.ts'
import type { Database } from '../../infra/ports/database.ts'
import { maintainPartitions, type PartitionPolicy } from '../../projections/usage/partitions.ts'
import { openAdapter } from './adapter.ts'
import type { Runtime } from './runtime.ts'

// usage_raw's partitions kept ahead and its retention applied (projections/usage/partitions.ts),
// as adapter `partitions` of the ingest process and of embedded mode: a pass at start, then every
// intervalMs; a pass never overlaps the previous one; a failed pass is logged and retried on the
// next (ingest creates a batch's missing days itself, so a late pass delays only retention).
export function openPartitionMaintenance(
  app: Pick<FastifyInstance, 'register'>,
  rt: Runtime,
  db: Database,
  policy: PartitionPolicy & { intervalMs: number },
) {
  return openAdapter(app, 'partitions', async () => {
    let timer: NodeJS.Timeout | undefined
    let closed = false
    const pass = (): Promise<void> =>
      maintainPartitions(db, rt.now(), policy)
        .then(
          ({ created, dropped }) => {
            if (created.length + dropped.length > 0) rt.log.info({ created, dropped }, 'usage_raw partitions')
          },
          (error: unknown) =>
            rt.log.warn({ err: error }, 'usage partition maintenance failed; retrying later'),
        )
        .finally(() => {
          if (!closed) timer = setTimeout(() => (running = pass()), policy.intervalMs)
        })
    let running = pass()
    await running
    return {
      async close() {
        closed = true
        clearTimeout(timer)
        await running
      },
    }
  })
}

/** The policy from the configuration (AIAAS_USAGE_*). */
export const usagePartitionPolicy = (config: Config) => ({
  aheadDays: config.AIAAS_USAGE_PARTITIONS_AHEAD_DAYS,
  retentionDays: config.AIAAS_USAGE_RAW_RETENTION_DAYS,
  intervalMs: config.AIAAS_USAGE_MAINTENANCE_INTERVAL_MS,
})
