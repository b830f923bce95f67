import type { Sql } from '../../infra/ports/database.ts'
import type { TablePair } from './scratch-schema.ts'

// One table's live rows against its replayed copy. Rows are paired by primary key (a full join);
// a pair differs when the rows' text forms differ, i.e. on every column, compared exactly: each
// type's own output (timestamps to the microsecond, jsonb as stored, numeric with its scale),
// never a JavaScript value that would round or reorder them.

export type DifferenceKind = 'changed' | 'only_in_live' | 'only_in_replay'

/** One column of a changed row: its value on each side as JSON text (null: SQL NULL). */
export interface ColumnDifference {
  column: string
  live: string
  replay: string
}

export interface RowDifference {
  kind: DifferenceKind
  /** The row's primary key, column by column, as text. */
  key: Record<string, string>
  /** changed: the columns that differ; otherwise none. */
  columns: ColumnDifference[]
  /** only_in_*: the whole row, as JSON text; otherwise null. */
  row: string | null
}

export interface TableDiff {
  table: string
  live_rows: number
  replayed_rows: number
  counts: Record<DifferenceKind, number>
  /** The first rows of each kind, by key, at most `sample` of each. */
  rows: RowDifference[]
}

/** The primary key's columns, in key order; a table without one cannot be paired row by row. */
async function primaryKey(tx: Sql, pair: TablePair): Promise<string[]> {
  const { rows } = await tx.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [pair.live],
  )
  if (rows.length === 0) throw new Error(`read model table ${pair.table} has no primary key`)
  return rows.map((row) => row.name)
}

/** The query pairing the two tables; column names come from the catalogue, quoted. */
function diffSql(pair: TablePair, key: readonly string[]): string {
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`
  const first = q(key[0] ?? '')
  const on = key.map((k) => `l.${q(k)} = s.${q(k)}`).join(' AND ')
  const keyJson = key.map((k) => `'${k.replaceAll("'", "''")}', coalesce(l.${q(k)}, s.${q(k)})::text`)
  return `
    WITH d AS (
      SELECT CASE WHEN s.${first} IS NULL THEN 'only_in_live' WHEN l.${first} IS NULL THEN 'only_in_replay'
                  ELSE 'changed' END AS kind,
             jsonb_build_object(${keyJson.join(', ')}) AS key,
             CASE WHEN l.${first} IS NULL THEN NULL ELSE to_jsonb(l) END AS live,
             CASE WHEN s.${first} IS NULL THEN NULL ELSE to_jsonb(s) END AS replay
        FROM ${pair.live} l FULL JOIN ${pair.scratch} s ON ${on}
       WHERE l.${first} IS NULL OR s.${first} IS NULL OR l::text IS DISTINCT FROM s::text),
    ranked AS (
      SELECT d.*, count(*) OVER (PARTITION BY kind) AS total,
             row_number() OVER (PARTITION BY kind ORDER BY key::text COLLATE "C") AS n
        FROM d)
    SELECT kind, total, key,
           coalesce(live, replay)::text AS row,
           (SELECT coalesce(jsonb_agg(jsonb_build_array(c.name, coalesce((live -> c.name)::text, 'null'),
                                                        coalesce((replay -> c.name)::text, 'null'))
                                      ORDER BY c.name), '[]')
              FROM jsonb_object_keys(live) AS c(name)
             WHERE (live -> c.name)::text IS DISTINCT FROM (replay -> c.name)::text) AS columns
      FROM ranked WHERE n <= $1 ORDER BY kind, n`
}

type DiffRow = {
  kind: DifferenceKind
  total: bigint | number | string
  key: Record<string, string>
  row: string
  columns: [string, string, string][] | null
}

const toDifference = (row: DiffRow): RowDifference => ({
  kind: row.kind,
  key: row.key,
  columns:
    row.kind === 'changed'
      ? (row.columns ?? []).map(([column, live, replay]) => ({ column, live, replay }))
      : [],
  row: row.kind === 'changed' ? null : row.row,
})

async function rowCount(tx: Sql, table: string): Promise<number> {
  const { rows } = await tx.query<{ n: bigint | number | string }>(`SELECT count(*) AS n FROM ${table}`)
  return Number(rows[0]?.n ?? 0)
}

/** Compares a live table with its replayed copy; see the comment at the top. */
export async function diffTable(tx: Sql, pair: TablePair, sample: number): Promise<TableDiff> {
  const key = await primaryKey(tx, pair)
  const { rows } = await tx.query<DiffRow>(diffSql(pair, key), [sample])
  const counts: Record<DifferenceKind, number> = { changed: 0, only_in_live: 0, only_in_replay: 0 }
  for (const row of rows) counts[row.kind] = Number(row.total)
  return {
    table: pair.table,
    live_rows: await rowCount(tx, pair.live),
    replayed_rows: await rowCount(tx, pair.scratch),
    counts,
    rows: rows.map(toDifference),
  }
}
