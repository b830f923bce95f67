import type { Sql } from '../../infra/ports/database.ts'

// The usage queue's depth as ingest last saw it, for GET /analytics/v1/status: written on every
// batch and idle heartbeat (gateways/processes/usage-ingest.ts); null when the broker could not say.
const RECORD_QUEUE_DEPTH = `UPDATE usage_ingest_state SET queue_depth = $1, updated_at = $2::timestamptz`

export async function recordQueueDepth(db: Sql, depth: number | null, now: Date): Promise<void> {
  await db.query(RECORD_QUEUE_DEPTH, [depth, now.toISOString()])
}
