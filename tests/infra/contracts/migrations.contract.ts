import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadMigrations, migrate } from '../../../infra/migrations/migrate.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { MakeDatabase, TestDatabase } from './test-database.ts'

// Migrations and the schema the event store code expects: one suite, run against PostgreSQL
// and PGlite. The expected columns are written out here on purpose: a migration that changes
// them must change this test, and the code that reads them, in the same commit.
const expectedColumns: Record<string, Record<string, string>> = {
  events: {
    global_position: 'bigint',
    id: 'uuid',
    stream: 'text',
    stream_version: 'bigint',
    type: 'text',
    schema_version: 'integer',
    data: 'jsonb',
    metadata: 'jsonb',
    transaction_id: 'xid8',
    recorded_at: 'timestamp with time zone',
    batch_index: 'integer',
    batch_size: 'integer',
  },
  subscription_checkpoints: { name: 'text', position: 'bigint', updated_at: 'timestamp with time zone' },
  schema_migrations: { id: 'text', applied_at: 'timestamp with time zone' },
}

const expectedFunctions = ['allocate_global_positions', 'append_to_stream', 'find_appended_batch']
const expectedConstraints = [
  'events_batch_index_check',
  'events_id_key',
  'events_pkey',
  'events_position_from_transaction',
  'events_stream_version_key',
  'subscription_checkpoints_pkey',
]

async function columnsOf(db: Database, table: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  )
  return Object.fromEntries(rows.map((row) => [row.column_name, row.data_type]))
}

export function migrationsContract(name: string, makeDb: MakeDatabase): void {
  describe(`Migrations contract: ${name}`, () => {
    let handle: TestDatabase
    beforeEach(async () => {
      handle = await makeDb({ migrated: false })
    })
    afterEach(() => handle.dispose())

    it('applies every migration once, in file order; a second run applies nothing', async () => {
      const ids = loadMigrations().map((migration) => migration.id)
      expect(ids.slice(0, 5)).toEqual([
        '0001_events',
        '0002_find_appended_batch',
        '0003_allocate_global_positions',
        '0004_append_to_stream',
        '0005_subscription_checkpoints',
      ])
      expect(await migrate(handle.db)).toEqual(ids)
      expect(await migrate(handle.db)).toEqual([])
      const { rows } = await handle.db.query<{ id: string }>(
        'SELECT id FROM schema_migrations ORDER BY applied_at, id',
      )
      expect(rows.map((row) => row.id)).toEqual(ids)
    })

    it('creates the tables, columns, functions and constraints the code expects', async () => {
      await migrate(handle.db)
      for (const [table, columns] of Object.entries(expectedColumns)) {
        expect(await columnsOf(handle.db, table)).toEqual(columns)
      }
      const functions = await handle.db.query<{ name: string }>(
        `SELECT routine_name AS name FROM information_schema.routines
          WHERE routine_schema = current_schema() ORDER BY 1`,
      )
      expect(functions.rows.map((row) => row.name)).toEqual(expect.arrayContaining(expectedFunctions))
      const constraints = await handle.db.query<{ name: string }>(
        `SELECT conname AS name FROM pg_constraint
          WHERE connamespace = current_schema()::regnamespace
            AND conrelid IN ('events'::regclass, 'subscription_checkpoints'::regclass)`,
      )
      expect(constraints.rows.map((row) => row.name).sort()).toEqual(
        expect.arrayContaining(expectedConstraints),
      )
    })

    it('stops at a failing migration, leaving none of it and keeping the ones before', async () => {
      const migrations = [
        { id: '0001_first', sql: 'CREATE TABLE first_table (id integer)' },
        { id: '0002_broken', sql: 'CREATE TABLE second_table (id integer); SELECT no_such_function()' },
        { id: '0003_never', sql: 'CREATE TABLE third_table (id integer)' },
      ]
      await expect(migrate(handle.db, migrations)).rejects.toMatchObject({
        code: 'MIGRATION_FAILED',
        details: { migration: '0002_broken' },
      })
      const tables = await handle.db.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() ORDER BY 1`,
      )
      expect(tables.rows.map((row) => row.name)).toEqual(['first_table', 'schema_migrations'])
      expect(await migrate(handle.db, [migrations[0]!, { ...migrations[1]!, sql: 'SELECT 1' }])).toEqual([
        '0002_broken',
      ])
    })
  })
}
