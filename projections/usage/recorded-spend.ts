import type { Sql } from '../../infra/ports/database.ts'
import type { RecordedSpend } from '../../infra/ports/recorded-spend.ts'

// The recorded spend of an organization or key since an instant, from the raw usage events (one
// indexed query: usage_events_org_time). Summed as numeric and scaled to nano-USD in SQL, so the
// sum is exact; rounded up, so a seeded counter never undercounts. Issue 10 moves this onto rollups
// behind the same port.

const SPENT_SQL = `SELECT ceil(coalesce(sum(cost_usd), 0) * 1000000000)::text AS nanos
   FROM usage_events
  WHERE organization_id = $1
    AND ($2::uuid IS NULL OR api_key_id = $2::uuid)
    AND ($3::timestamptz IS NULL OR occurred_at >= $3::timestamptz)`

export function createSqlRecordedSpend(db: Sql): RecordedSpend {
  return {
    async spentNanos(organization_id, api_key_id, from) {
      const { rows } = await db.query<{ nanos: string }>(SPENT_SQL, [
        organization_id,
        api_key_id,
        from?.toISOString() ?? null,
      ])
      const nanos = Number(rows[0]?.nanos ?? '0')
      if (!Number.isSafeInteger(nanos))
        throw new Error(`recorded spend ${rows[0]?.nanos} nano-USD is not a safe integer`)
      return nanos
    },
  }
}
