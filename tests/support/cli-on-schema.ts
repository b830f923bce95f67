import { afterAll, beforeAll } from 'vitest'
import { migrate } from '../../infra/migrations/migrate.ts'
import type { Database } from '../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { databaseUrl, freshSchema } from '../infra/postgres/fresh-schema.ts'
import { runAiaas } from './processes.ts'

/**
 * A migrated schema of its own on the real PostgreSQL for a CLI test file (created before all,
 * dropped after all), and `aiaas` run as an operator runs it against that schema: the schema
 * rides in the URL, as any libpq option does. `db()` is the test's own connection to it.
 */
export function cliOnSchema(name: string) {
  let db: Database | undefined
  let schema = ''
  let drop: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ schema, drop } = await freshSchema(name))
    db = createPostgresDatabase(databaseUrl(), { schema })
    await migrate(db)
  })
  afterAll(async () => {
    await db?.close()
    await drop()
  })
  const aiaas = (args: string[], env: Record<string, string> = {}) => {
    const url = `${databaseUrl()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
    return runAiaas(args, { ...env, AIAAS_DATABASE_URL: url })
  }
  const database = (): Database => {
    if (db === undefined) throw new Error('cliOnSchema: the database opens in beforeAll')
    return db
  }
  return { db: database, aiaas }
}
