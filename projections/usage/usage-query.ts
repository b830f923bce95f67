import type { Sql } from '../../infra/ports/database.ts'
import {
  decodeSortKey,
  encodeSortKey,
  type Granularity,
  type GroupedQuery,
  groupedPageSql,
  safeCount,
  sortKeyOf,
  type UsageGroupKey,
} from './rollup-groups.ts'

// Usage of an organization (GET /analytics/v1/usage, CSV exports): the rollup of the asked
// granularity, rows per bucket and group, sums in SQL (every bucket
// that overlaps [from, to): rollup-groups.ts).

export type { Granularity, UsageGroupKey }

export type UsageQuery = GroupedQuery

export interface UsageRow {
  bucket_start: string
  model: string | null
  api_key_id: string | null
  backend: string | null
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cost_nanos: number
}

export interface UsagePage {
  rows: UsageRow[]
  /** The cursor of the next page; null on the last. */
  next_cursor: string | null
}

const MEASURES = `sum(requests)::bigint AS requests, sum(errors)::bigint AS errors,
  sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,
  sum(cost_nanos)::bigint AS cost_nanos`

interface Selected extends Record<string, unknown> {
  bucket: Date
  model: string | null
  api_key_id: string | null
  backend: string | null
  requests: unknown
  errors: unknown
  input_tokens: unknown
  output_tokens: unknown
  cost_nanos: unknown
}

const rowOf = (row: Selected): UsageRow => ({
  ...sortKeyOf(row),
  requests: safeCount('requests', row.requests),
  errors: safeCount('errors', row.errors),
  input_tokens: safeCount('input_tokens', row.input_tokens),
  output_tokens: safeCount('output_tokens', row.output_tokens),
  cost_nanos: safeCount('cost_nanos', row.cost_nanos),
})

/**
 * One page of usage rows after `page.cursor` (null: the first). A cursor that does not decode, or
 * was made for another group_by, throws INVALID_CURSOR.
 */
export async function queryUsagePage(
  db: Sql,
  query: UsageQuery,
  page: { cursor: string | null; limit: number },
): Promise<UsagePage> {
  const after = decodeSortKey(page.cursor, query)
  // One row more than the page says whether another page follows, without a second query.
  const { text, params } = groupedPageSql(query, MEASURES, after, page.limit + 1)
  const { rows } = await db.query<Selected>(text, params)
  const data = rows.slice(0, page.limit).map(rowOf)
  const last = data.at(-1)
  const next_cursor = rows.length > page.limit && last ? encodeSortKey(last) : null
  return { rows: data, next_cursor }
}
