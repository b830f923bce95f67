import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import { bucketStart, type Grain } from '../../domain/usage/rollup.ts'
import type { Sql } from '../../infra/ports/database.ts'

// What the usage and reliability queries share: one rollup table per granularity, rows grouped by
// bucket and the asked-for keys (the others null), in (bucket, model, api_key_id, backend) order,
// read a page at a time after a keyset cursor. Grouping columns are the rows' own columns, so the
// cursor's row comparison filters in WHERE, before grouping, on the table's primary-key index.
// The rows are the buckets that overlap [from, to): from is rounded down to its bucket's start (UTC),
// and a bucket is in when it starts before to.

export type Granularity = Grain
export type UsageGroupKey = 'model' | 'api_key' | 'backend'

export interface GroupedQuery {
  organization_id: string
  from: Date
  to: Date
  granularity: Granularity
  group_by: readonly UsageGroupKey[]
}

/** The sort key of a grouped row: its bucket and its group values (null when not grouped by). */
export interface SortKey {
  bucket_start: string
  model: string | null
  api_key_id: string | null
  backend: string | null
}

const TABLES: Record<Granularity, string> = {
  minute: 'usage_rollup_minute',
  hour: 'usage_rollup_hour',
  day: 'usage_rollup_day',
}

// The fixed order of the group columns, whatever order group_by names them in.
const GROUPS = [
  { key: 'model', column: 'model', type: 'text' },
  { key: 'api_key', column: 'api_key_id', type: 'uuid' },
  { key: 'backend', column: 'backend', type: 'text' },
] as const

const groupsOf = (query: GroupedQuery) => GROUPS.filter((g) => query.group_by.includes(g.key))

/**
 * The SQL of one page: `measures` are the select list's aggregates over the group; $1..$4 are the
 * organization, from, to and limit, and the cursor's key follows.
 */
export function groupedPageSql(query: GroupedQuery, measures: string, after: SortKey | null, limit: number) {
  const groups = groupsOf(query)
  const select = GROUPS.map((g) =>
    query.group_by.includes(g.key) ? g.column : `NULL::${g.type} AS ${g.column}`,
  ).join(', ')
  const keys = ['bucket', ...groups.map((g) => g.column)].join(', ')
  const from = bucketStart(query.from, query.granularity).toISOString()
  const params: unknown[] = [query.organization_id, from, query.to.toISOString(), limit]
  let keyset = ''
  if (after) {
    const values = [after.bucket_start, ...groups.map((g) => after[g.column])]
    const placeholders = values.map((_, i) => `$${i + 5}::${i === 0 ? 'timestamptz' : groups[i - 1]?.type}`)
    keyset = `AND (${keys}) > (${placeholders.join(', ')})`
    params.push(...values)
  }
  // The bucket as epoch milliseconds: the driver reads a number at a fraction of the cost of parsing
  // a timestamptz into a Date (≈ 2 µs a row, measured: a 5,760-row answer spent 5–15 ms on it).
  const text = `SELECT date_part('epoch', bucket) * 1000 AS bucket_ms, ${select}, ${measures}
       FROM ${TABLES[query.granularity]}
      WHERE organization_id = $1 AND bucket >= $2::timestamptz AND bucket < $3::timestamptz ${keyset}
      GROUP BY ${keys} ORDER BY ${keys} LIMIT $4`
  return { text, params }
}

/** A grouped row's sort key, read from its columns. */
export const sortKeyOf = (row: {
  bucket_ms: number
  model: string | null
  api_key_id: string | null
  backend: string | null
}): SortKey => ({
  bucket_start: new Date(row.bucket_ms).toISOString(),
  model: row.model,
  api_key_id: row.api_key_id,
  backend: row.backend,
})

const CURSOR_VERSION = 'u1'
// PostgreSQL text never holds NUL: a stored group value has none, and one sent would be a 500.
const groupValue = z
  .string()
  .refine((s) => !s.includes('\u0000'))
  .nullable()
const cursorShape = z.tuple([
  z.literal(CURSOR_VERSION),
  z.iso.datetime(),
  groupValue,
  z.uuid().nullable(),
  groupValue,
])

/** The opaque cursor after `key`: base64url of its JSON. */
export function encodeSortKey(key: SortKey): string {
  const json = JSON.stringify([CURSOR_VERSION, key.bucket_start, key.model, key.api_key_id, key.backend])
  return Buffer.from(json, 'utf8').toString('base64url')
}

const invalid = () =>
  new AppError('INVALID_CURSOR', 'cursor is not one this API returned', { param: 'cursor' })

/**
 * The key a cursor names: null for none; INVALID_CURSOR (400) for one that does not decode, or
 * whose bucket is outside the query's range or whose group values do not match its group_by (a
 * cursor of another query).
 */
export function decodeSortKey(cursor: string | null, query: GroupedQuery): SortKey | null {
  if (cursor === null) return null
  if (!/^[A-Za-z0-9_-]{1,16384}$/.test(cursor)) throw invalid()
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  const parsed = cursorShape.safeParse(json)
  if (!parsed.success) throw invalid()
  const [, bucket, model, api_key_id, backend] = parsed.data
  const at = new Date(bucket)
  // A row's bucket lies in the query's range; checking it also keeps dates PostgreSQL refuses
  // (year 0) away from the query.
  const inRange = at >= bucketStart(query.from, query.granularity) && at < query.to
  const key: SortKey = { bucket_start: at.toISOString(), model, api_key_id, backend }
  const matches = GROUPS.every((g) => (key[g.column] !== null) === query.group_by.includes(g.key))
  if (!inRange || !matches) throw invalid()
  return key
}

/** A count from SQL as a safe integer; past 2^53 a sum would be silently wrong, so it throws. */
export function safeCount(name: string, value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isSafeInteger(n)) throw new Error(`${name} ${String(value)} is not a safe integer`)
  return n
}

/** The columns every grouped row has; `measures` add the rest. */
export interface GroupedRow extends Record<string, unknown> {
  /** The bucket's start, epoch milliseconds. */
  bucket_ms: number
  model: string | null
  api_key_id: string | null
  backend: string | null
}

/**
 * One page of grouped rows after `page.cursor` (null: the first page), each made by `rowOf`; a
 * cursor that does not decode, or was made for another group_by, throws INVALID_CURSOR.
 */
export async function readGroupedPage<T extends SortKey>(
  db: Sql,
  query: GroupedQuery,
  measures: string,
  page: { cursor: string | null; limit: number },
  rowOf: (row: GroupedRow) => T,
): Promise<{ rows: T[]; next_cursor: string | null }> {
  const after = decodeSortKey(page.cursor, query)
  // One row more than the page says whether another page follows, without a second query.
  const { text, params } = groupedPageSql(query, measures, after, page.limit + 1)
  const { rows } = await db.query<GroupedRow>(text, params)
  const data = rows.slice(0, page.limit).map(rowOf)
  const last = data.at(-1)
  const next_cursor = rows.length > page.limit && last ? encodeSortKey(last) : null
  return { rows: data, next_cursor }
}
