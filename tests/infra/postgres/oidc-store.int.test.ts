import { sqlStore } from '../../../infra/oidc/sql-store.ts'
import { oidcStoreContract } from '../contracts/oidc-store.contract.ts'
import { makePostgres } from './fresh-schema.ts'

const makeDb = makePostgres('oidc', 4)

oidcStoreContract('sql on postgres', async () => {
  const { db, dispose } = await makeDb()
  let now = Date.parse('2026-01-01T00:00:00Z')
  return {
    store: sqlStore(db, { now: () => now }),
    advance: (ms) => {
      now += ms
    },
    dispose,
  }
})
