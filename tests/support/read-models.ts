import { v7 } from 'uuid'
import { onTestFinished } from 'vitest'
import type { CommandContext } from '../../commands/handle-command.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { type Subscription, startSubscription } from '../../infra/event-store/subscription.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../infra/pglite/database.ts'
import type { Database } from '../../infra/ports/database.ts'
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
 * Rebuilds the read models from the log as an operator would: stops the live projector, empties
 * `tables` and the checkpoint together, then catches a new projector up from the first event.
 * The new projector stops when the test finishes. Call it inside a test.
 */
export async function rebuildReadModels(
  db: Database,
  live: Subscription,
  tables: readonly string[],
): Promise<void> {
  await live.stop()
  await db.transaction(async (tx) => {
    await tx.query(`TRUNCATE ${tables.join(', ')}`)
    await tx.query('UPDATE subscription_checkpoints SET position = 0 WHERE name = $1', [
      readModelsProjection.name,
    ])
  })
  const rebuilt = startSubscription(db, createEventStore(db), readModelsProjection, { idleMs: 10_000 })
  onTestFinished(() => rebuilt.stop())
  await rebuilt.catchUp()
}
