import type { Sql } from '../../infra/ports/database.ts'
import { partitionDays } from './partitions.ts'

// The analytics pipeline's state for operators (GET /analytics/v1/status): how far behind ingest
// is, what it last saw of its queue and its last batch, and which days of raw events are kept
// (usage_raw's partitions, read from the catalogue: pg_inherits / pg_class).

export interface IngestStatus {
  ingest: {
    /** Every event that reached ingest before this instant is stored; null until ingest says. */
    complete_through: string | null
    /** Seconds from complete_through to now; null with it. */
    lag_seconds: number | null
    /** Ready messages in the usage queue when ingest last looked; null: unknown. */
    queue_depth: number | null
    last_batch: { at: string; events: number } | null
    /** When ingest last wrote its state (a batch or an idle heartbeat). */
    updated_at: string | null
  }
  raw_partitions: {
    count: number
    /** Start of the oldest kept day (inclusive) and end of the newest created one (exclusive). */
    oldest_from: string | null
    newest_to: string | null
    /** Raw events before this UTC day were dropped by retention (and are refused); null: none yet. */
    retention_horizon: string | null
  }
}

interface StateRow extends Record<string, unknown> {
  complete_through: Date | null
  queue_depth: number | null
  last_batch_at: Date | null
  last_batch_events: number
  raw_horizon: string | null
  updated_at: Date | null
}

const STATE_SQL = `SELECT complete_through, queue_depth, last_batch_at, last_batch_events,
    to_char(raw_horizon, 'YYYY-MM-DD') AS raw_horizon, updated_at
  FROM usage_ingest_state WHERE singleton`

const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString()

export async function readIngestStatus(db: Sql, now: Date): Promise<IngestStatus> {
  const [{ rows }, days] = await Promise.all([db.query<StateRow>(STATE_SQL), partitionDays(db)])
  const state = rows[0]
  const through = state?.complete_through ?? null
  const oldest = days[0]
  const newest = days.at(-1)
  return {
    ingest: {
      complete_through: through?.toISOString() ?? null,
      lag_seconds: through ? Math.max(0, (now.getTime() - through.getTime()) / 1000) : null,
      queue_depth: state?.queue_depth ?? null,
      last_batch: state?.last_batch_at
        ? { at: state.last_batch_at.toISOString(), events: state.last_batch_events }
        : null,
      updated_at: state?.updated_at?.toISOString() ?? null,
    },
    raw_partitions: {
      count: days.length,
      oldest_from: oldest ? `${oldest}T00:00:00.000Z` : null,
      newest_to: newest ? dayAfter(newest) : null,
      retention_horizon: state?.raw_horizon ?? null,
    },
  }
}
