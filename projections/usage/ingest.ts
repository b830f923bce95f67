import type { Database } from '../../infra/ports/database.ts'
import type { UsageEvent } from '../../infra/ports/usage.ts'

/**
 * Stores one usage event and adds it to its hourly rollup in one transaction. Deduplicated by
 * event id: a redelivered event finds its raw row and leaves the rollup untouched, so rollups
 * always equal the sum of the raw rows. Returns whether the event was new.
 */
export async function ingestUsageEvent(db: Database, event: UsageEvent): Promise<boolean> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO usage_events (event_id, organization_id, api_key_id, model, backend, status, http_status,
         input_tokens, output_tokens, cost_usd, latency_ms, streamed, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [
        event.id,
        event.organization_id,
        event.api_key_id,
        event.model,
        event.backend,
        event.status,
        event.http_status,
        event.input_tokens,
        event.output_tokens,
        event.cost_usd,
        event.latency_ms,
        event.streamed,
        event.occurred_at,
      ],
    )
    if (inserted.rowCount === 0) return false
    await tx.query(
      `INSERT INTO usage_hourly AS h
         (organization_id, bucket, model, requests, errors, input_tokens, output_tokens, cost_usd)
       VALUES ($1, date_trunc('hour', $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', $3, 1, $4, $5, $6, $7)
       ON CONFLICT (organization_id, bucket, model) DO UPDATE SET
         requests = h.requests + 1,
         errors = h.errors + EXCLUDED.errors,
         input_tokens = h.input_tokens + EXCLUDED.input_tokens,
         output_tokens = h.output_tokens + EXCLUDED.output_tokens,
         cost_usd = h.cost_usd + EXCLUDED.cost_usd`,
      [
        event.organization_id,
        event.occurred_at,
        event.model,
        event.status === 'ok' ? 0 : 1,
        event.input_tokens,
        event.output_tokens,
        event.cost_usd,
      ],
    )
    return true
  })
}
