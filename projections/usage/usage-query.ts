import type { Sql } from '../../infra/ports/database.ts'
import {
  type Granularity,
  type GroupedQuery,
  type GroupedRow,
  readGroupedPage,
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

const rowOf = (row: GroupedRow): UsageRow => ({
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
  return readGroupedPage(db, query, MEASURES, page, rowOf)
}
