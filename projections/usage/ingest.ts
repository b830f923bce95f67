import { GRAINS, type Grain, type RollupRow, rollUp } from '../../domain/usage/rollup.ts'
import type { Database, Sql } from '../../infra/ports/database.ts'
import type { RejectedUsageEvent, UsageBatchOutcome, UsageEvent } from '../../infra/ports/usage.ts'
import { ensurePartitions, rawHorizon, utcDay } from './partitions.ts'
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

const upsertRollup = (table: string) => `
  INSERT INTO ${table} AS r (bucket, organization_id, api_key_id, model, backend, status_class, requests, errors,
      input_tokens, output_tokens, cost_nanos, streamed, cancelled, estimated, latency_hist, ttfb_hist)
  SELECT b, o, k, m, be, sc, rq, er, it, ot, c, st, ca, es, lh::bigint[], th::bigint[]
    FROM unnest($1::timestamptz[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[],
                $14::bigint[], $15::text[], $16::text[])
         AS t(b, o, k, m, be, sc, rq, er, it, ot, c, st, ca, es, lh, th)
  ON CONFLICT (organization_id, bucket, api_key_id, model, backend, status_class) DO UPDATE SET
    requests = r.requests + EXCLUDED.requests,
    errors = r.errors + EXCLUDED.errors,
    input_tokens = r.input_tokens + EXCLUDED.input_tokens,
    output_tokens = r.output_tokens + EXCLUDED.output_tokens,
    cost_nanos = r.cost_nanos + EXCLUDED.cost_nanos,
    streamed = r.streamed + EXCLUDED.streamed,
    cancelled = r.cancelled + EXCLUDED.cancelled,
    estimated = r.estimated + EXCLUDED.estimated,
    latency_hist = usage_hist_add(r.latency_hist, EXCLUDED.latency_hist),
    ttfb_hist = usage_hist_add(r.ttfb_hist, EXCLUDED.ttfb_hist)`

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

const TABLE: Record<Grain, string> = {
  minute: 'usage_rollup_minute',
  hour: 'usage_rollup_hour',
  day: 'usage_rollup_day',
}

/** `{1,0,3}`: a histogram as a PostgreSQL array literal (UNNEST cannot take ragged 2-D arrays). */
const arrayLiteral = (counts: readonly number[]): string => `{${counts.join(',')}}`

function rawColumns(rows: readonly StoredRow[], now: Date): unknown[] {
  const column = <T>(pick: (row: StoredRow) => T) => rows.map(pick)
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

function rollupColumns(rows: readonly RollupRow[]): unknown[] {
  const column = <T>(pick: (row: RollupRow) => T) => rows.map(pick)
  return [
    column((r) => r.bucket.toISOString()),
    column((r) => r.organization_id),
    column((r) => r.api_key_id),
    column((r) => r.model),
    column((r) => r.backend),
    column((r) => r.status_class),
    column((r) => r.requests),
    column((r) => r.errors),
    column((r) => r.input_tokens),
    column((r) => r.output_tokens),
    column((r) => r.cost_nanos),
    column((r) => r.streamed),
    column((r) => r.cancelled),
    column((r) => r.estimated),
    column((r) => arrayLiteral(r.latency_hist)),
    column((r) => arrayLiteral(r.ttfb_hist)),
  ]
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
  if (added.length > 0) {
    for (const grain of GRAINS)
      await tx.query(upsertRollup(TABLE[grain]), rollupColumns(rollUp(added, grain)))
  }
  const orgs = [
    rows.map((r) => r.organization_id),
    rows.map((r) => r.occurred_at.toISOString()),
    now.toISOString(),
  ]
  await tx.query(UPSERT_ORG_FRESHNESS, orgs)
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
  await ensurePartitions(
    db,
    rows.map((row) => utcDay(row.occurred_at)),
  )
  const stored = await db.transaction((tx) => store(tx, rows, now, events.length))
  return { rejected, stored, duplicates: events.length - rejected.length - stored }
}
