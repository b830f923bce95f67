import { afterAll, describe, expect, it } from 'vitest'
import { sqlStore } from '../../../infra/oidc/sql-store.ts'
import { oidcStoreContract } from '../contracts/oidc-store.contract.ts'
import type { TestDatabase } from '../contracts/test-database.ts'
import { makePglite } from './fresh-pglite.ts'

// One PGlite for the contract (its start and migrations take seconds; every test uses fresh ids).
let shared: Promise<TestDatabase> | undefined
afterAll(async () => (await shared)?.dispose())

oidcStoreContract('sql on pglite', async () => {
  shared ??= makePglite()
  const { db } = await shared
  let now = Date.parse('2026-01-01T00:00:00Z')
  return {
    store: sqlStore(db, { now: () => now }),
    advance: (ms) => {
      now += ms
    },
    dispose: async () => {},
  }
})

describe('sql store: expired rows', () => {
  it('are deleted by later upserts, a bounded batch per upsert', async () => {
    const { db, dispose } = await makePglite()
    let now = Date.parse('2026-01-01T00:00:00Z')
    const store = sqlStore(db, { now: () => now, sweepBatch: 2 })
    for (const id of ['a', 'b', 'c']) await store('Session').upsert(id, { jti: id }, 60)
    now += 61_000
    const count = async () =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM oidc_entries')).rows[0]?.n
    await store('Session').upsert('d', { jti: 'd' }, 60)
    expect(await count()).toBe(2)
    await store('Session').upsert('e', { jti: 'e' }, 60)
    expect(await count()).toBe(2)
    expect(await store('Session').find('d')).toEqual({ jti: 'd' })
    await dispose()
  })
})
