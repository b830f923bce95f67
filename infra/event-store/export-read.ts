import type { Sql } from '../ports/database.ts'
import { CHAIN_ROW_COLUMNS, type ChainRow } from './chain-canonical.ts'

// The audit export's reader (docs/audit.md): the log's events with their chain fields, one keyset
// page at a time by global_position, so any range is read in constant memory. Each page is a
// query of its own; the caller pulls the next one only when it has written the last.

export interface ExportFilter {
  /** RFC 3339 instants, inclusive, compared with recorded_at (PostgreSQL parses them: microseconds kept). */
  from?: string | undefined
  to?: string | undefined
  /** Only events whose data.organization_id is this one (index 0610). */
  organization_id?: string | undefined
  type?: string | undefined
}

/** An events row as exported: the chain's nine fields, the actor, and the chain's hashes (hex). */
export type ExportRow = ChainRow & {
  actor: string | null
  /** Null: not chained yet (the chaining subscription's lag). */
  prev_hash: string | null
  hash: string | null
}

export const EXPORT_PAGE_SIZE = 500

// Pages are read without the subscriptions' horizon (read-all.sql): a transaction running anywhere
// in the cluster would otherwise hold back every newer event. So an event whose transaction commits
// while the export runs, at a position the export has passed, is not in it (as if it had committed
// later); then the events exported after that position have no chain row yet (hash null: the chain
// is written by a gap-free reader and cannot pass it). The chained events of an export are thus
// always a gap-free part of the log, the ones an auditor can verify.

/** The page query for the filters given: only the conditions named, so each can use its index. */
function pageSql(filter: ExportFilter): { text: string; params: unknown[] } {
  const params: unknown[] = []
  const bind = (value: unknown) => `$${params.push(value)}`
  const where: string[] = []
  if (filter.from !== undefined) where.push(`e.recorded_at >= ${bind(filter.from)}::timestamptz`)
  if (filter.to !== undefined) where.push(`e.recorded_at <= ${bind(filter.to)}::timestamptz`)
  if (filter.organization_id !== undefined)
    where.push(`e.data ->> 'organization_id' = ${bind(filter.organization_id)}`)
  if (filter.type !== undefined) where.push(`e.type = ${bind(filter.type)}`)
  const text = `SELECT ${CHAIN_ROW_COLUMNS}, e.metadata ->> 'actor' AS actor,
      encode(c.prev_hash, 'hex') AS prev_hash, encode(c.hash, 'hex') AS hash
    FROM events e LEFT JOIN event_chain c ON c.global_position = e.global_position
    WHERE e.global_position > $${params.length + 1}::bigint
      ${where.map((condition) => `AND ${condition}`).join(' ')}
    ORDER BY e.global_position LIMIT $${params.length + 2}`
  return { text, params }
}

/**
 * The events matching `filter`, page by page in global order. The generator reads a page only when
 * asked for it: a consumer that writes each page before asking for the next holds one page at most.
 */
export async function* exportPages(
  db: Sql,
  filter: ExportFilter,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<ExportRow[]> {
  const { text, params } = pageSql(filter)
  let after = '0'
  for (;;) {
    const page = await db.query<ExportRow>(text, [...params, after, pageSize])
    if (page.rows.length === 0) return
    yield page.rows
    if (page.rows.length < pageSize) return
    after = page.rows.at(-1)?.global_position ?? after
  }
}
