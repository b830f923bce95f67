import { Gauge, type Registry } from 'prom-client'
import type { Sql } from '../../infra/ports/database.ts'
import { subscriptionLag } from '../../projections/subscription-lag.ts'

/**
 * Two gauges per projection the process runs, read from PostgreSQL at each scrape: the events
 * after its checkpoint and the age of the oldest of them. Operators see a stuck or slow
 * projection (docs/operations.md, AiaasProjectionLag) before users see stale reads.
 */
export function observeProjectionLag(registry: Registry, db: Sql, projections: readonly string[]): void {
  new Gauge({
    name: 'aiaas_projection_lag_events',
    help: "Events in the log after a projection's checkpoint (not yet applied)",
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      for (const lag of await subscriptionLag(db, projections)) this.set({ projection: lag.name }, lag.events)
    },
  })
  new Gauge({
    name: 'aiaas_projection_lag_seconds',
    help: 'Age of the oldest event a projection has not applied yet; 0 when caught up',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      for (const lag of await subscriptionLag(db, projections))
        this.set({ projection: lag.name }, lag.seconds)
    },
  })
}
