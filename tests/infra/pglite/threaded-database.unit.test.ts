import { describe, expect, it } from 'vitest'
import { createThreadedPgliteDatabase } from '../../../infra/pglite/threaded-database.ts'
import { databaseContract } from '../contracts/database.contract.ts'
import { makeThreadedPglite } from './fresh-pglite.ts'

databaseContract('pglite on its own thread', makeThreadedPglite)

describe('PGlite on its own thread', () => {
  it('answers a closed database with an error, not a hang', async () => {
    const db = await createThreadedPgliteDatabase(undefined)
    await db.close()
    await expect(db.query('SELECT 1')).rejects.toThrow(/embedded database thread/)
  })

  it('keeps a PostgreSQL error code across the thread (what the event store branches on)', async () => {
    const db = await createThreadedPgliteDatabase(undefined)
    try {
      await db.query('CREATE TABLE t (id integer PRIMARY KEY)')
      await db.query('INSERT INTO t VALUES (1)')
      await expect(db.query('INSERT INTO t VALUES ($1)', [1])).rejects.toMatchObject({
        code: '23505',
        constraint: 't_pkey',
      })
    } finally {
      await db.close()
    }
  })
})
