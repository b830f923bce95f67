import { afterEach, describe } from 'vitest'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { recordedSpendContract } from './recorded-spend.contract.ts'

const open: Database[] = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
})

describe('the recorded spend on PGlite', () => {
  recordedSpendContract(async () => {
    const db = await createPgliteDatabase(undefined)
    open.push(db)
    await migrate(db)
    return db
  })
})
