import { afterEach, describe } from 'vitest'
import { migrate } from '../../../infra/migrations/migrate.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { createDatabase } from '../../support/fresh-database.ts'
import { recordedSpendContract } from './recorded-spend.contract.ts'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('the recorded spend on PostgreSQL', () => {
  recordedSpendContract(async () => {
    const created = await createDatabase('recorded_spend')
    cleanups.push(created.drop)
    const db: Database = createPostgresDatabase(created.url)
    cleanups.push(() => db.close())
    await migrate(db)
    return db
  })
})
