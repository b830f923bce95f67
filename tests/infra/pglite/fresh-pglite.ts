import { onTestFinished } from 'vitest'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import { createThreadedPgliteDatabase } from '../../../infra/pglite/threaded-database.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { MakeDatabase } from '../contracts/test-database.ts'

/** A new in-memory database per call from `open`, migrated unless told not to. */
const inMemory =
  (open: (dataDir: undefined) => Promise<Database>): MakeDatabase =>
  async (options = {}) => {
    const db = await open(undefined)
    if (options.migrated !== false) await migrate(db)
    return { db, dispose: () => db.close() }
  }

/** A new in-memory PGlite per call (no files: unit tier). */
export const makePglite = inMemory(createPgliteDatabase)

/** The same on its own thread (infra/pglite/threaded-database.ts, what embedded mode runs). */
export const makeThreadedPglite = inMemory(createThreadedPgliteDatabase)

/** A migrated in-memory PGlite for the running test, closed when it finishes. */
export async function migratedPglite(): Promise<Database> {
  const { db, dispose } = await makePglite()
  onTestFinished(dispose)
  return db
}
