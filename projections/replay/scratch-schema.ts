import { randomBytes } from 'node:crypto'
import type { Sql } from '../../infra/ports/database.ts'

// The scratch schema `aiaas audit replay` rebuilds the read models into. It is created inside the
// replay's transaction, so it is never visible to another session and goes away with the
// transaction whatever happens: dropped before the commit, undone by the rollback of a failure,
// and by the server when the connection dies mid-way (DDL is transactional in PostgreSQL).

/** A fresh schema name; random, so two replays at once never meet. */
export const scratchSchemaName = (): string => `aiaas_replay_${randomBytes(6).toString('hex')}`

/** A registered table and where it lives: its live qualified name and its scratch copy's. */
export interface TablePair {
  table: string
  live: string
  scratch: string
}

/**
 * The schema-qualified, quoted name `table` resolves to on the caller's search_path: the live
 * table, whichever schema holds it (a test's own schema, or public).
 */
async function liveTable(tx: Sql, table: string): Promise<string> {
  const { rows } = await tx.query<{ qualified: string | null }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS qualified
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [table],
  )
  const qualified = rows[0]?.qualified
  if (!qualified) throw new Error(`read model table ${table} does not exist on the search_path`)
  return qualified
}

/**
 * A copied default that calls nextval() would draw from the LIVE table's sequence (LIKE copies
 * the expression, not the sequence; identity columns get their own). No read model has one: a
 * value that comes from a sequence is not derived from the log, and replay would differ anyway.
 */
async function refuseSharedSequences(tx: Sql, schema: string): Promise<void> {
  const { rows } = await tx.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = $1 AND column_default LIKE 'nextval(%'`,
    [schema],
  )
  const shared = rows.map((row) => `${row.table_name}.${row.column_name}`)
  if (shared.length > 0)
    throw new Error(`replay refuses columns filled from a sequence: ${shared.join(', ')}`)
}

/**
 * Creates `schema` with an empty copy of each table (columns, defaults, checks, indexes and
 * primary key: the same conflicts the projection relies on; no foreign keys, no triggers), then
 * puts it first on the transaction's search_path, so the projections' unqualified table names
 * write into the copies while `events` still resolves to the live log. Table names come from
 * the registry, never from input.
 */
export async function createScratchTables(
  tx: Sql,
  schema: string,
  tables: readonly string[],
): Promise<TablePair[]> {
  const pairs: TablePair[] = []
  for (const table of tables)
    pairs.push({ table, live: await liveTable(tx, table), scratch: `${schema}.${table}` })
  await tx.query(`CREATE SCHEMA ${schema}`)
  for (const pair of pairs) await tx.query(`CREATE TABLE ${pair.scratch} (LIKE ${pair.live} INCLUDING ALL)`)
  await refuseSharedSequences(tx, schema)
  await tx.query(`SELECT set_config('search_path', $1 || ', ' || current_setting('search_path'), true)`, [
    schema,
  ])
  return pairs
}
