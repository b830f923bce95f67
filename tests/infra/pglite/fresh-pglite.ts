import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { MakeDatabase } from '../contracts/test-database.ts'

/** A new in-memory PGlite per call (no files: unit tier). */
export const makePglite: MakeDatabase = async (options = {}) => {
  const db = await createPgliteDatabase(undefined)
  if (options.migrated !== false) await migrate(db)
  return { db, dispose: () => db.close() }
}
