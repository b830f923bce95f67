import type { Sql } from '../../infra/ports/database.ts'

export type Granularity = 'hour' | 'day'

export interface UsageRow {
  bucket_start: string
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cost_usd: number
}

export interface Freshness {
  /** When the newest ingested usage event of the organization happened. */
  last_event_at: string | null
  /** When ingest last stored a usage event of the organization. */
  last_ingested_at: string | null
  /** Seconds from last_ingested_at to now; null before the first event. */
  staleness_seconds: number | null
}

interface Window {
  organization_id: string
  from: string
  to: string
  granularity: Granularity
}

/** Usage per bucket in [from, to), summed over models, read from the hourly rollup. */
export async function queryUsage(db: Sql, window: Window): Promise<UsageRow[]> {
  const { rows } = await db.query<{
    bucket: Date
    requests: string | number
    errors: string | number
    input_tokens: string | number
    output_tokens: string | number
    cost_usd: string | number
  }>(
    `SELECT date_trunc($4, bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket,
            sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS input_tokens,
            sum(output_tokens) AS output_tokens, sum(cost_nanos) / 1000000000.0 AS cost_usd
       FROM usage_rollup_hour
      WHERE organization_id = $1 AND bucket >= $2 AND bucket < $3
      GROUP BY 1 ORDER BY 1`,
    [window.organization_id, window.from, window.to, window.granularity],
  )
  return rows.map((row) => ({
    bucket_start: row.bucket.toISOString(),
    requests: Number(row.requests),
    errors: Number(row.errors),
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    cost_usd: Number(row.cost_usd),
  }))
}

export async function queryFreshness(db: Sql, organizationId: string, now: Date): Promise<Freshness> {
  const { rows } = await db.query<{ last_event_at: Date | null; last_ingested_at: Date | null }>(
    `SELECT last_occurred_at AS last_event_at, last_ingested_at
       FROM usage_org_freshness WHERE organization_id = $1`,
    [organizationId],
  )
  const row = rows[0]
  const lastIngested = row?.last_ingested_at ?? null
  return {
    last_event_at: row?.last_event_at?.toISOString() ?? null,
    last_ingested_at: lastIngested?.toISOString() ?? null,
    staleness_seconds: lastIngested ? Math.max(0, (now.getTime() - lastIngested.getTime()) / 1000) : null,
  }
}
