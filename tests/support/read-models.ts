import { v7 } from 'uuid'
import { onTestFinished } from 'vitest'
import type { CommandContext } from '../../commands/handle-command.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { type Subscription, startSubscription } from '../../infra/event-store/subscription.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../infra/pglite/database.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { readModelsProjection } from '../../projections/read-models.ts'

/** Who a test's commands come from. */
export const testContext: CommandContext = {
  actor: 'test',
  correlation_id: v7(),
  causation_id: null,
  source: 'test',
}

/** The fixed clock of read-model tests. */
export const TEST_NOW = new Date('2026-11-26T10:00:00Z')

/**
 * An in-memory PGlite, migrated, with its event store and the read-models projector (idle between
 * the test's own catchUp() calls). Closed when the test finishes, projector first. Call it inside
 * a test.
 */
export async function startReadModels() {
  const db = await createPgliteDatabase(undefined)
  await migrate(db)
  const store = createEventStore(db)
  const projector = startSubscription(db, store, readModelsProjection, { idleMs: 10_000 })
  onTestFinished(async () => {
    await projector.stop()
    await db.close()
  })
  return { db, store, projector }
}

/**
 * Catches `subscription` up until it has applied everything up to the log's head as it is now. On
 * PostgreSQL one pass may stop short of a committed event while another transaction anywhere in
 * the cluster is still running (the gap-free read rule), so a test that asserts on the read model
 * right after its commands passes again until the head is reached (bounded: 10 s).
 */
export async function caughtUpToHead(db: Sql, subscription: Subscription): Promise<void> {
  const { rows } = await db.query<{ head: string | null }>(
    'SELECT max(global_position)::text AS head FROM events',
  )
  const head = BigInt(rows[0]?.head ?? '0')
  const deadline = Date.now() + 10_000
  while ((await subscription.catchUp()) < head) {
    if (Date.now() > deadline) throw new Error(`the subscription did not reach position ${head} in 10 s`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
