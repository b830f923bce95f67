import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { observeProjectionLag } from '../../../gateways/processes/projection-lag.ts'
import { lockCheckpoint, readHeadPosition, saveCheckpoint } from '../../../infra/event-store/checkpoints.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { EVENT_CHAIN } from '../../../projections/audit-chain/event-chain.ts'
import { READ_MODELS } from '../../../projections/read-models.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'

// The projector's lag gauges (docs/operations.md, AiaasProjectionLag): what an operator reads on
// /metrics when a projection falls behind the log, and 0 once it has caught up.
const closing: Database[] = []
afterEach(async () => {
  for (const db of closing.splice(0)) await db.close()
})

/** The value of one series on the /metrics page, or undefined when it is absent. */
function sample(page: string, series: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('projection lag on /metrics', () => {
  it('counts the events after each checkpoint, ages the oldest, and reads 0 once caught up', async () => {
    const db = await createPgliteDatabase(undefined)
    closing.push(db)
    await migrate(db)
    await createEventStore(db).append('organization-a', [newEvent('A'), newEvent('B'), newEvent('C')], -1)
    const metrics = createMetrics('projector')
    observeProjectionLag(metrics.registry, db, [READ_MODELS, EVENT_CHAIN])

    // Neither has a checkpoint: every event is behind both.
    let page = await metrics.registry.metrics()
    expect(sample(page, 'aiaas_projection_lag_events{projection="read-models",process="projector"}')).toBe(3)
    expect(sample(page, 'aiaas_projection_lag_events{projection="event-chain",process="projector"}')).toBe(3)
    expect(
      sample(page, 'aiaas_projection_lag_seconds{projection="read-models",process="projector"}'),
    ).toBeGreaterThanOrEqual(0)

    // The read models catch up to the head; the chain does not.
    const head = await readHeadPosition(db)
    await db.transaction(async (tx) => {
      await lockCheckpoint(tx, READ_MODELS)
      await saveCheckpoint(tx, READ_MODELS, head)
    })
    page = await metrics.registry.metrics()
    expect(sample(page, 'aiaas_projection_lag_events{projection="read-models",process="projector"}')).toBe(0)
    expect(sample(page, 'aiaas_projection_lag_seconds{projection="read-models",process="projector"}')).toBe(0)
    expect(sample(page, 'aiaas_projection_lag_events{projection="event-chain",process="projector"}')).toBe(3)
  })
})
