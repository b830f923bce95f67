import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { type SilentServer, startSilentServer } from '../../support/tcp-proxy.ts'
import { databaseContract } from '../contracts/database.contract.ts'
import { makePostgres } from './fresh-schema.ts'

databaseContract('postgres', makePostgres('database'))

describe('createPostgresDatabase: unreachable server', () => {
  // Accepts connections and never answers: only connectionTimeoutMillis ends the wait.
  let silent: SilentServer
  let silentPort = 0
  beforeAll(async () => {
    silent = await startSilentServer()
    silentPort = silent.port
  })
  afterAll(() => silent.close())

  it('reports a refused connection as DATABASE_UNAVAILABLE', async () => {
    const db = createPostgresDatabase('postgres://aiaas:aiaas@127.0.0.1:1/aiaas')
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' })
    await expect(db.transaction(async (tx) => tx.query('SELECT 1'))).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
    })
    await db.close()
  })

  it('gives up on a silent server after connectionTimeoutMillis', async () => {
    const db = createPostgresDatabase(`postgres://aiaas:aiaas@127.0.0.1:${silentPort}/aiaas`, {
      connectionTimeoutMillis: 200,
    })
    const started = Date.now()
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' })
    expect(Date.now() - started).toBeLessThan(2_000)
    await db.close()
  })

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => createPostgresDatabase('postgres://x@127.0.0.1/x', { schema: 'a; DROP' })).toThrow(
      expect.objectContaining({ code: 'INVALID_SCHEMA_NAME' }),
    )
  })
})
