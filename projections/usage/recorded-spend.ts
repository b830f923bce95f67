import { bucketStart } from '../../domain/usage/rollup.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { RecordedSpend } from '../../infra/ports/recorded-spend.ts'

// The recorded spend of an organization or key since an instant, from the rollups (so it outlives
// raw retention): the day rollups for whole UTC days, the hour rollups for the hours before the
// first whole day, the minute rollups for the minutes before the first whole hour — three indexed
// range reads, each on its table's primary key (organization_id, bucket, …). Costs are integer
// nano-USD rounded up per event as the spend ledger rounds them, so a seeded counter matches what
// the routers counted. A start inside a minute counts that whole minute: a seed never undercounts.

const SPENT_SQL = `SELECT coalesce(sum(cost_nanos), 0)::text AS nanos FROM (
    SELECT cost_nanos FROM usage_rollup_minute
     WHERE organization_id = $1 AND ($2::uuid IS NULL OR api_key_id = $2::uuid)
       AND bucket >= $3::timestamptz AND bucket < $4::timestamptz
    UNION ALL
    SELECT cost_nanos FROM usage_rollup_hour
     WHERE organization_id = $1 AND ($2::uuid IS NULL OR api_key_id = $2::uuid)
       AND bucket >= $4::timestamptz AND bucket < $5::timestamptz
    UNION ALL
    SELECT cost_nanos FROM usage_rollup_day
     WHERE organization_id = $1 AND ($2::uuid IS NULL OR api_key_id = $2::uuid)
       AND bucket >= $5::timestamptz
  ) AS spent`

/** The first instant ≥ at that starts a whole hour or day (at itself when it does). */
function ceilTo(at: Date, grain: 'hour' | 'day'): Date {
  const start = bucketStart(at, grain)
  if (start.getTime() === at.getTime()) return start
  const next = new Date(start)
  if (grain === 'hour') next.setUTCHours(next.getUTCHours() + 1)
  else next.setUTCDate(next.getUTCDate() + 1)
  return next
}

/** [minutes from, hours from, days from]; all -infinity for "ever". */
function boundsFrom(from: Date | null): string[] {
  if (from === null) return ['-infinity', '-infinity', '-infinity']
  const minutes = bucketStart(from, 'minute')
  const hours = ceilTo(minutes, 'hour')
  const days = ceilTo(hours, 'day')
  return [minutes, hours, days].map((at) => at.toISOString())
}

export function createSqlRecordedSpend(db: Sql): RecordedSpend {
  return {
    async spentNanos(organization_id, api_key_id, from) {
      const { rows } = await db.query<{ nanos: string }>(SPENT_SQL, [
        organization_id,
        api_key_id,
        ...boundsFrom(from),
      ])
      const nanos = Number(rows[0]?.nanos ?? '0')
      if (!Number.isSafeInteger(nanos))
        throw new Error(`recorded spend ${rows[0]?.nanos} nano-USD is not a safe integer`)
      return nanos
    },
  }
}
