import { readdirSync, readFileSync } from 'node:fs'
import { AppError, isAppError } from '../../domain/errors.ts'
import type { Database, Sql } from '../ports/database.ts'

export interface Migration {
  /** File name without `.sql`, e.g. `0001_events`; recorded in schema_migrations. */
  readonly id: string
  readonly sql: string
}

const migrationsDir = new URL('./', import.meta.url)
const fileName = /^(\d{4})_[a-z0-9_]+\.sql$/

/** The migrations of this folder, in order. Two files with one number are refused. */
export function loadMigrations(dir: URL = migrationsDir): Migration[] {
  const files = readdirSync(dir)
    .filter((name) => fileName.test(name))
    .sort()
  const numbers = files.map((name) => name.slice(0, 4))
  const taken = numbers.find((number, index) => numbers.indexOf(number) !== index)
  if (taken !== undefined) {
    throw new AppError('MIGRATION_NUMBER_TAKEN', `two migrations are numbered ${taken}`, { number: taken })
  }
  return files.map((name) => ({ id: name.slice(0, -4), sql: readFileSync(new URL(name, dir), 'utf8') }))
}

// Concurrent migrators (replicas starting together) queue on this lock, one per schema so test
// files in their own schemas do not wait for each other. A transaction-scoped lock, because a
// pool gives no guarantee that two statements run on the same session.
const lockAndPrepare = `
  SELECT pg_advisory_xact_lock(hashtextextended('aiaas.migrations.' || current_schema(), 0));
  CREATE TABLE IF NOT EXISTS schema_migrations (
    id text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`

async function isApplied(tx: Sql, id: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [id])
  return rows.length > 0
}

/** Applies each migration not yet applied, in order, each in its own transaction; returns their ids. */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<string[]> {
  const applied: string[] = []
  for (const migration of migrations) {
    if (await applyOne(db, migration)) applied.push(migration.id)
  }
  return applied
}

async function applyOne(db: Database, migration: Migration): Promise<boolean> {
  try {
    return await db.transaction(async (tx) => {
      await tx.query(lockAndPrepare)
      // Checked under the lock: another migrator may have applied it while we waited.
      if (await isApplied(tx, migration.id)) return false
      await tx.query(migration.sql)
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id])
      return true
    })
  } catch (error) {
    if (isAppError(error)) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new AppError('MIGRATION_FAILED', `migration ${migration.id} failed: ${reason}`, {
      migration: migration.id,
    })
  }
}
