import type { Sql } from '../infra/ports/database.ts'

// One page of an organization's resources in commit order, for the read models whose admin list
// filters by organization and status (API keys, service accounts). The order is the position of
// the resource's first event, which the projector applies gap-free: a resource created while a
// client pages sorts after every cursor the client holds, so a list never misses or repeats one.

export interface OrganizationListQuery {
  organization_id: string
  status?: 'active' | 'revoked' | undefined
  after: bigint | null
  limit: number
}

export type Listed<View> = View & { created_position: bigint }

export async function listOrganizationResources<Row extends object, View>(
  db: Sql,
  source: { table: string; columns: string; toView: (row: Row) => View },
  query: OrganizationListQuery,
): Promise<Listed<View>[]> {
  const { rows } = await db.query<Row & { created_position: string | number | bigint }>(
    `SELECT ${source.columns}, created_position FROM ${source.table}
      WHERE organization_id = $1 AND ($2::bigint IS NULL OR created_position > $2::bigint)
        AND ($4::text IS NULL OR status = $4::text)
      ORDER BY created_position LIMIT $3`,
    [query.organization_id, query.after, query.limit, query.status ?? null],
  )
  return rows.map(({ created_position, ...row }) => ({
    ...source.toView(row as unknown as Row),
    created_position: BigInt(created_position),
  }))
}
