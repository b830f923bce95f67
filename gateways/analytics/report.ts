import type { Sql } from '../../infra/ports/database.ts'
import type { Freshness } from '../../projections/usage/freshness.ts'
import type { Granularity } from '../../projections/usage/rollup-groups.ts'

// The answer shape /usage and /reliability share: one page of grouped rollup rows, the query's
// echo, the cursor of the next page and the organization's freshness, read side by side.

export interface ReportDeps {
  db: Sql
  freshness: (organizationId: string) => Promise<Freshness>
}

/** The parsed query fields every grouped report has. */
interface ReportQuery<K> {
  organization_id: string
  from: string
  to: string
  granularity: Granularity
  group_by: K[]
  limit: number
  cursor?: string | undefined
}

type PageReader<Q, Row> = (
  db: Sql,
  query: Q,
  page: { cursor: string | null; limit: number },
) => Promise<{ rows: Row[]; next_cursor: string | null }>

/** One page of a grouped report, each row shown by `show` for the query's grouping. */
export async function groupedReport<O extends string, K, Q extends ReportQuery<K>, Row, Shown>(
  deps: ReportDeps,
  q: Q,
  object: O,
  readPage: PageReader<Q & { from: Date; to: Date }, Row>,
  show: (row: Row, groupBy: readonly K[]) => Shown,
) {
  const query = { ...q, from: new Date(q.from), to: new Date(q.to) }
  const [page, freshness] = await Promise.all([
    readPage(deps.db, query, { cursor: q.cursor ?? null, limit: q.limit }),
    deps.freshness(q.organization_id),
  ])
  return {
    object,
    organization_id: q.organization_id,
    granularity: q.granularity,
    group_by: q.group_by,
    data: page.rows.map((row) => show(row, q.group_by)),
    next_cursor: page.next_cursor,
    freshness,
  }
}
