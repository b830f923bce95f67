import { onTestFinished } from 'vitest'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import { createThreadedPgliteDatabase } from '../../../infra/pglite/threaded-database.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { MakeDatabase } from '../contracts/test-database.ts'

/** A new in-memory PGlite per call (no files: unit tier). */
export const makePglite: MakeDatabase = async (options = {}) => {
  const db = await createPgliteDatabase(undefined)
  if (options.migrated !== false) await migrate(db)
  return { db, dispose: () => db.close() }
}

/** The same on its own thread (infra/pglite/threaded-database.ts, what embedded mode runs). */
export const makeThreadedPglite: MakeDatabase = async (options = {}) => {
  const db = await createThreadedPgliteDatabase(undefined)
  if (options.migrated !== false) await migrate(db)
  return { db, dispose: () => db.close() }
}

/** A migrated in-memory PGlite for the running test, closed when it finishes. */
export async function migratedPglite(): Promise<Database> {
  const { db, dispose } = await makePglite()
  onTestFinished(dispose)
  return db
}
