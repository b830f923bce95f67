import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../../infra/ports/database.ts'
import { gate, type MakeDatabase, sleep, type TestDatabase } from './test-database.ts'

// The Database port: one suite, run against PostgreSQL (pg Pool) and PGlite.
export function databaseContract(name: string, makeDb: MakeDatabase): void {
  describe(`Database contract: ${name}`, () => {
    let handle: TestDatabase
    let db: Database
    beforeAll(async () => {
      handle = await makeDb({ migrated: false })
      db = handle.db
      await db.query('CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL)')
    })
    afterAll(() => handle.dispose())

    const labels = async () =>
      (await db.query<{ label: string }>('SELECT label FROM items ORDER BY id')).rows.map((row) => row.label)

    it('parses BIGINT and BIGINT[] as numbers, timestamptz as Date, jsonb as objects', async () => {
      const { rows } = await db.query<{ big: unknown; list: unknown; at: unknown; doc: unknown }>(
        'SELECT $1::bigint AS big, ARRAY[1, 2]::bigint[] AS list, now() AS at, $2::jsonb AS doc',
        [9007199254740991, JSON.stringify({ a: [1] })],
      )
      expect(rows[0]).toMatchObject({ big: 9007199254740991, list: [1, 2], doc: { a: [1] } })
      expect(rows[0]?.at).toBeInstanceOf(Date)
    })

    it('refuses a BIGINT a JS number cannot hold', async () => {
      await expect(db.query('SELECT 9007199254740993::bigint AS big')).rejects.toMatchObject({
        code: 'BIGINT_OUT_OF_RANGE',
      })
    })

    it('reports rowCount of writes and reads', async () => {
      expect((await db.query("INSERT INTO items VALUES (1, 'one'), (2, 'two')")).rowCount).toBe(2)
      expect((await db.query('SELECT * FROM items WHERE id = $1', [1])).rowCount).toBe(1)
      await db.query('DELETE FROM items')
    })

    it('runs several statements in one text without params (migrations)', async () => {
      const result = await db.query("INSERT INTO items VALUES (1, 'a'); SELECT label FROM items")
      expect(result.rows).toEqual([{ label: 'a' }])
      await db.query('DELETE FROM items')
    })

    it('commits when the callback resolves and returns its value', async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query("INSERT INTO items VALUES (1, 'kept')")
        return 42
      })
      expect(value).toBe(42)
      expect(await labels()).toEqual(['kept'])
      await db.query('DELETE FROM items')
    })

    it('rolls back everything when the callback throws, and rethrows', async () => {
      const failing = db.transaction(async (tx) => {
        await tx.query("INSERT INTO items VALUES (1, 'lost')")
        throw new Error('boom')
      })
      await expect(failing).rejects.toThrow('boom')
      expect(await labels()).toEqual([])
    })

    it('never runs a concurrent caller inside another transaction', async () => {
      const held = gate()
      const inside = gate()
      const rolledBack = db.transaction(async (tx) => {
        await tx.query("INSERT INTO items VALUES (1, 'in the rolled back transaction')")
        inside.open()
        await held.opened
        throw new Error('roll back')
      })
      await inside.opened
      const outside = db.query("INSERT INTO items VALUES (2, 'outside')")
      await sleep(50)
      held.open()
      await expect(rolledBack).rejects.toThrow('roll back')
      await outside
      expect(await labels()).toEqual(['outside'])
      await db.query('DELETE FROM items')
    })

    it('keeps concurrent transactions apart', async () => {
      const write = (id: number) =>
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO items VALUES ($1, $2)', [id, `t${id}`])
          await sleep(5)
          const { rows } = await tx.query<{ n: number }>(
            'SELECT count(*)::bigint AS n FROM items WHERE id = $1',
            [id],
          )
          if (id % 2 === 0) throw new Error(`roll back ${id}`)
          return rows[0]?.n
        })
      const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(write))
      expect(results.map((result) => result.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
      ])
      expect(await labels()).toEqual(['t1', 't3', 't5'])
      await db.query('DELETE FROM items')
    })
  })
}
