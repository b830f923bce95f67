import { randomBytes } from 'node:crypto'
import { loadConfig } from '../../../infra/config/config.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import type { MakeDatabase } from '../contracts/test-database.ts'

export const databaseUrl = (): string => loadConfig().AIAAS_DATABASE_URL

/** A uniquely named schema, so test files never see each other's rows; dropped by dispose. */
export async function freshSchema(prefix: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `t_${prefix}_${randomBytes(4).toString('hex')}`
  const admin = createPostgresDatabase(databaseUrl())
  await admin.query(`CREATE SCHEMA ${schema}`)
  return {
    schema,
    drop: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`)
      await admin.close()
    },
  }
}

export function makePostgres(prefix: string, max = 12): MakeDatabase {
  return async (options = {}) => {
    const { schema, drop } = await freshSchema(prefix)
    const db: Database = createPostgresDatabase(databaseUrl(), { schema, max })
    if (options.migrated !== false) await migrate(db)
    return {
      db,
      dispose: async () => {
        await db.close()
        await drop()
      },
    }
  }
}
