import { GRAINS, rollUp } from '../../domain/usage/rollup.ts'
import type { Database, Sql } from '../../infra/ports/database.ts'
import type { RejectedUsageEvent, UsageBatchOutcome, UsageEvent } from '../../infra/ports/usage.ts'
import { arrayLiteral } from './array-literal.ts'
import { ensurePartitions, rawHorizon, utcDay } from './partitions.ts'
import { addToRollup } from './rollup-upsert.ts'
import { type StoredRow, storedUsageOf } from './stored-usage.ts'

// Ingest of a batch of usage events (docs/analytics.md, "Ingest"). In ONE transaction the raw rows
// are bulk-inserted (UNNEST arrays) with ON CONFLICT DO NOTHING — deduplication by event id at
// write time: redelivered and replayed events are skipped — and only the rows actually inserted
// are rolled up (domain/usage/rollup.ts) and added to the minute, hour and day rollups by one
// summing upsert per grain. A crash anywhere rolls it all back, so the rollups always equal
// GROUP BY over the distinct raw events. An empty batch (the consumer is idle) records that every
// event delivered so far is stored.

const INSERT_RAW = `
  INSERT INTO usage_raw (event_id, occurred_at, organization_id, api_key_id, model, backend, status_class,
      status, http_status, input_tokens, output_tokens, cost_nanos, latency_ms, ttfb_ms, streamed, cancelled,
      tokens_source, ingested_at)
  SELECT event_id, occurred_at, organization_id, api_key_id, model, backend, (http_status / 100) || 'xx',
         status, http_status, input_tokens, output_tokens, cost_nanos, latency_ms, ttfb_ms, streamed, cancelled,
         tokens_source, $17::timestamptz
    FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                $8::smallint[], $9::integer[], $10::integer[], $11::bigint[], $12::float8[], $13::float8[],
                $14::boolean[], $15::boolean[], $16::text[])
         AS t(event_id, occurred_at, organization_id, api_key_id, model, backend, status, http_status,
              input_tokens, output_tokens, cost_nanos, latency_ms, ttfb_ms, streamed, cancelled, tokens_source)
  ON CONFLICT DO NOTHING
  RETURNING event_id::text`

const UPSERT_ORG_FRESHNESS = `
  INSERT INTO usage_org_freshness AS f (organization_id, last_occurred_at, last_ingested_at)
  SELECT o, max(t), $3::timestamptz FROM unnest($1::uuid[], $2::timestamptz[]) AS u(o, t) GROUP BY o
  ON CONFLICT (organization_id) DO UPDATE SET
    last_occurred_at = greatest(f.last_occurred_at, EXCLUDED.last_occurred_at),
    last_ingested_at = EXCLUDED.last_ingested_at`

const RECORD_BATCH = `
  UPDATE usage_ingest_state SET complete_through = greatest(complete_through, $1::timestamptz),
    last_batch_at = $2::timestamptz, last_batch_events = $3, updated_at = $2::timestamptz`

const RECORD_IDLE = `
  UPDATE usage_ingest_state SET complete_through = greatest(complete_through, $1::timestamptz),
    updated_at = $1::timestamptz`

function rawColumns(rows: readonly StoredRow[], now: Date): unknown[] {
  const column = (pick: (row: StoredRow) => string | number | boolean | null) => arrayLiteral(rows.map(pick))
  return [
    column((r) => r.event_id),
    column((r) => r.occurred_at.toISOString()),
    column((r) => r.organization_id),
    column((r) => r.api_key_id),
    column((r) => r.model),
    column((r) => r.backend),
    column((r) => r.status),
    column((r) => r.http_status),
    column((r) => r.input_tokens),
    column((r) => r.output_tokens),
    column((r) => r.cost_nanos),
    column((r) => r.latency_ms),
    column((r) => r.ttfb_ms),
    column((r) => r.streamed),
    column((r) => r.cancelled),
    column((r) => r.tokens_source),
    now.toISOString(),
  ]
}

/** The freshness upsert's arguments: each organization's newest event of the batch (a few rows, not one per event). */
function newestPerOrganization(rows: readonly StoredRow[], now: Date): unknown[] {
  const newest = new Map<string, number>()
  for (const row of rows) {
    const at = row.occurred_at.getTime()
    if (at > (newest.get(row.organization_id) ?? Number.NEGATIVE_INFINITY))
      newest.set(row.organization_id, at)
  }
  const times = [...newest.values()].map((at) => new Date(at).toISOString())
  return [[...newest.keys()], times, now.toISOString()]
}

const DAY_MS = 86_400_000

/** The UTC days of the rows (a few), without formatting a date per row. */
function daysOf(rows: readonly StoredRow[]): string[] {
  const days = new Set(rows.map((row) => Math.floor(row.occurred_at.getTime() / DAY_MS)))
  return [...days].map((day) => utcDay(new Date(day * DAY_MS)))
}

/** Sorts a batch into the rows to store (first of each event id) and the events refused. */
function sortOut(events: readonly UsageEvent[], horizon: Date | null, now: Date) {
  const rows: StoredRow[] = []
  const rejected: RejectedUsageEvent[] = []
  const seen = new Set<string>()
  for (const event of events) {
    const stored = storedUsageOf(event, { horizon, now })
    if (!stored.ok) rejected.push({ id: event.id, reason: stored.reason })
    else if (!seen.has(stored.row.event_id)) {
      seen.add(stored.row.event_id)
      rows.push(stored.row)
    }
  }
  return { rows, rejected }
}

async function store(tx: Sql, rows: readonly StoredRow[], now: Date, delivered: number): Promise<number> {
  const inserted = await tx.query<{ event_id: string }>(INSERT_RAW, rawColumns(rows, now))
  const fresh = new Set(inserted.rows.map((row) => row.event_id))
  const added = rows.filter((row) => fresh.has(row.event_id))
  for (const grain of GRAINS) await addToRollup(tx, grain, rollUp(added, grain))
  await tx.query(UPSERT_ORG_FRESHNESS, newestPerOrganization(rows, now))
  let oldest = now.getTime()
  for (const row of rows) oldest = Math.min(oldest, row.occurred_at.getTime())
  await tx.query(RECORD_BATCH, [new Date(oldest).toISOString(), now.toISOString(), delivered])
  return added.length
}

/** A batch's outcome, with how many of its events were new and how many already stored. */
export interface IngestOutcome extends UsageBatchOutcome {
  stored: number
  duplicates: number
}

/**
 * Stores a batch (idempotent: safe to retry whole); resolves once committed, with the events
 * refused for good (not a UUID, out of range, older than raw retention, a day in the future).
 */
export async function ingestUsageBatch(
  db: Database,
  events: readonly UsageEvent[],
  now: Date,
): Promise<IngestOutcome> {
  if (events.length === 0) {
    await db.query(RECORD_IDLE, [now.toISOString()])
    return { rejected: [], stored: 0, duplicates: 0 }
  }
  const { rows, rejected } = sortOut(events, await rawHorizon(db), now)
  if (rows.length === 0) return { rejected, stored: 0, duplicates: 0 }
  await ensurePartitions(db, daysOf(rows))
  const stored = await db.transaction((tx) => store(tx, rows, now, events.length))
  return { rejected, stored, duplicates: events.length - rejected.length - stored }
}
