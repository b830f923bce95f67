import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadMigrations, migrate } from '../../../infra/migrations/migrate.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { migrationsContract } from '../contracts/migrations.contract.ts'
import { databaseUrl, freshSchema } from './fresh-schema.ts'

migrationsContract('postgres', async (options) => {
  const { schema, drop } = await freshSchema('migrations')
  const db = createPostgresDatabase(databaseUrl(), { schema })
  if (options?.migrated !== false) await migrate(db)
  return {
    db,
    dispose: async () => {
      await db.close()
      await drop()
    },
  }
})

describe('migrate: concurrent migrators and file loading', () => {
  it('two processes migrating at once apply each migration exactly once', async () => {
    const { schema, drop } = await freshSchema('migrators')
    const dbs = [0, 1, 2].map(() => createPostgresDatabase(databaseUrl(), { schema, max: 2 }))
    try {
      const applied = await Promise.all(dbs.map((db) => migrate(db)))
      const all = applied.flat().sort()
      expect(all).toEqual(loadMigrations().map((migration) => migration.id))
    } finally {
      await Promise.all(dbs.map((db) => db.close()))
      await drop()
    }
  })

  it('loads NNNN_name.sql files in order and refuses two with one number', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiaas-migrations-'))
    const url = pathToFileURL(`${dir}/`)
    try {
      writeFileSync(join(dir, '0002_second.sql'), 'SELECT 2')
      writeFileSync(join(dir, '0001_first.sql'), 'SELECT 1')
      writeFileSync(join(dir, 'notes.txt'), 'ignored')
      expect(loadMigrations(url)).toEqual([
        { id: '0001_first', sql: 'SELECT 1' },
        { id: '0002_second', sql: 'SELECT 2' },
      ])
      writeFileSync(join(dir, '0002_clash.sql'), 'SELECT 3')
      expect(() => loadMigrations(url)).toThrow(expect.objectContaining({ code: 'MIGRATION_NUMBER_TAKEN' }))
    } finally {
      rmSync(dir, { recursive: true })
    }
  })
})
