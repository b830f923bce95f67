import type { Database } from '../../infra/ports/database.ts'
import { groupedPageSql } from '../../projections/usage/rollup-groups.ts'
import { queryUsagePage, type UsageRow } from '../../projections/usage/usage-query.ts'
import { type Measurement, percentile, round } from './measure.ts'

// The query half of the analytics benchmark: an organization's 30 days by hour grouped by model,
// from usage_rollup_hour (queryUsagePage, the SQL of GET /analytics/v1/usage, every page of 1000)
// against the same answer by GROUP BY over usage_raw, over `events` raw events built in SQL.
// Cardinality: 20 organizations, 50 keys (each belongs to one organization), 8 models each served
// by one of 4 backends, status classes 2xx 96% / 4xx 2% / 5xx 2%.

const DAY_MS = 86_400_000
const ORGS = 20
/** Fixed prefix of this phase's organization ids; the last 12 hex digits are the number. */
const ORG_PREFIX = '0190c000-0000-7000-8000-'
export const queryOrg = (n: number) => `${ORG_PREFIX}${n.toString(16).padStart(12, '0')}`

const INSERT_RAW = `
  INSERT INTO usage_raw (event_id, occurred_at, organization_id, api_key_id, model, backend, status_class,
      status, http_status, input_tokens, output_tokens, cost_nanos, latency_ms, ttfb_ms, streamed,
      cancelled, tokens_source, ingested_at)
  SELECT md5('q' || i)::uuid, occurred_at,
         ('${ORG_PREFIX}' || lpad(to_hex(k % ${ORGS}), 12, '0'))::uuid,
         ('0190c000-0000-7000-9000-' || lpad(to_hex(k), 12, '0'))::uuid,
         'model-' || m, 'backend-' || (m % 4) || ':8000', (http / 100) || 'xx',
         CASE WHEN http < 400 THEN 'ok' ELSE 'error' END, http, it, ot, it * 150 + ot * 600,
         lat, lat / 4, (h & 1) = 1, false, 'reported', occurred_at
    FROM (SELECT i, h, $1::timestamptz + (i * $3::float8 / $2::float8) * interval '1 millisecond' AS occurred_at,
                 abs(h % 50)::int AS k, abs((h >> 8) % 8)::int AS m,
                 CASE WHEN abs((h >> 16) % 100) < 96 THEN 200 WHEN abs((h >> 16) % 100) < 98 THEN 429
                      ELSE 503 END AS http,
                 abs((h >> 24) % 4000)::int AS it, abs((h >> 32) % 1000)::int AS ot,
                 20 + abs((h >> 40) % 8000)::float8 / 3 AS lat
            FROM (SELECT i, hashint8(i) AS h FROM generate_series($4::bigint, $5::bigint - 1) AS i) AS s) AS e`

const HOUR_FROM_RAW = `
  INSERT INTO usage_rollup_hour
  SELECT date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', organization_id, api_key_id,
         model, backend, status_class, count(*), count(*) FILTER (WHERE status <> 'ok'), sum(input_tokens),
         sum(output_tokens), sum(cost_nanos), count(*) FILTER (WHERE streamed),
         count(*) FILTER (WHERE cancelled), count(*) FILTER (WHERE tokens_source = 'estimated'),
         usage_hist_of(latency_ms), usage_hist_of(ttfb_ms)
    FROM usage_raw WHERE organization_id::text LIKE '${ORG_PREFIX}%' GROUP BY 1, 2, 3, 4, 5, 6`

const DAY_FROM_HOUR = `
  INSERT INTO usage_rollup_day
  SELECT date_trunc('day', bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', organization_id, api_key_id, model,
         backend, status_class, sum(requests), sum(errors), sum(input_tokens), sum(output_tokens),
         sum(cost_nanos), sum(streamed), sum(cancelled), sum(estimated), usage_hist_sum(latency_hist),
         usage_hist_sum(ttfb_hist)
    FROM usage_rollup_hour WHERE organization_id::text LIKE '${ORG_PREFIX}%' GROUP BY 1, 2, 3, 4, 5, 6`

const FROM_RAW = `
  SELECT date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket, model,
         count(*) AS requests, count(*) FILTER (WHERE status <> 'ok') AS errors,
         sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,
         sum(cost_nanos)::bigint AS cost_nanos
    FROM usage_raw WHERE organization_id = $1 AND occurred_at >= $2 AND occurred_at < $3
   GROUP BY 1, 2 ORDER BY 1, 2`

export interface QueryData {
  from: Date
  to: Date
  events: number
  buildSeconds: number
  hourRows: number
}

/** Fills usage_raw (daily partitions, 1M rows a statement) and the hour and day rollups. */
export async function buildQueryData(db: Database, events: number, now: Date): Promise<QueryData> {
  const started = performance.now()
  const to = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS)
  const from = new Date(to.getTime() - 30 * DAY_MS)
  for (let day = from.getTime(); day < to.getTime(); day += DAY_MS) {
    await db.query('SELECT usage_raw_ensure_partition($1::date)', [new Date(day).toISOString().slice(0, 10)])
  }
  const chunk = 1_000_000
  for (let first = 0; first < events; first += chunk) {
    const last = Math.min(events, first + chunk)
    await db.query(INSERT_RAW, [from.toISOString(), events, 30 * DAY_MS, first, last])
    process.stderr.write(`  query data: ${last} raw events\n`)
  }
  const hour = await db.query(HOUR_FROM_RAW)
  await db.query(DAY_FROM_HOUR)
  await db.query('VACUUM ANALYZE usage_raw')
  await db.query('VACUUM ANALYZE usage_rollup_hour')
  const buildSeconds = (performance.now() - started) / 1000
  return { from, to, events, buildSeconds, hourRows: hour.rowCount }
}

/** The whole answer through the analytics API's query, a page of 1000 rows at a time. */
async function fromRollups(db: Database, org: string, data: QueryData): Promise<UsageRow[]> {
  const query = { organization_id: org, from: data.from, to: data.to, granularity: 'hour' as const }
  const rows: UsageRow[] = []
  let cursor: string | null = null
  do {
    const page = await queryUsagePage(db, { ...query, group_by: ['model'] }, { cursor, limit: 1000 })
    rows.push(...page.rows)
    cursor = page.next_cursor
  } while (cursor !== null)
  return rows
}

// queryUsagePage's SQL (its measures) with one LIMIT above the answer: the cost of the rollup query
// itself, without the keyset pages.
const USAGE_MEASURES = `sum(requests)::bigint AS requests, sum(errors)::bigint AS errors,
  sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,
  sum(cost_nanos)::bigint AS cost_nanos`

async function fromRollupsAtOnce(db: Database, org: string, data: QueryData): Promise<unknown[]> {
  const query = { organization_id: org, from: data.from, to: data.to, granularity: 'hour' as const }
  const { text, params } = groupedPageSql({ ...query, group_by: ['model'] }, USAGE_MEASURES, null, 100_000)
  const { rows } = await db.query(text, params)
  return rows
}

async function fromRaw(db: Database, org: string, data: QueryData): Promise<UsageRow[]> {
  const { rows } = await db.query<{ bucket: Date; model: string } & Record<string, number>>(FROM_RAW, [
    org,
    data.from.toISOString(),
    data.to.toISOString(),
  ])
  return rows.map((r) => ({
    bucket_start: r.bucket.toISOString(),
    model: r.model,
    api_key_id: null,
    backend: null,
    requests: Number(r.requests),
    errors: Number(r.errors),
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
    cost_nanos: Number(r.cost_nanos),
  }))
}

interface Timed {
  latencies: number[]
  seconds: number
  rows: number
}

/** Runs `times` queries, one at a time, organizations in turn; each answer must equal the first's kind. */
async function timed(times: number, limitMs: number, run: (org: string) => Promise<readonly unknown[]>) {
  const result: Timed = { latencies: [], seconds: 0, rows: 0 }
  const started = performance.now()
  for (let i = 0; i < times && performance.now() - started < limitMs; i++) {
    const t0 = performance.now()
    const rows = await run(queryOrg(i % ORGS))
    result.latencies.push(performance.now() - t0)
    result.rows = rows.length
  }
  result.seconds = (performance.now() - started) / 1000
  result.latencies.sort((a, b) => a - b)
  return result
}

function measurementOf(name: string, run: Timed): Measurement {
  const p95 = round(percentile(run.latencies, 95))
  return {
    name: `${name}: ${run.rows} rows, p95 ${p95} ms`,
    ops: run.latencies.length,
    rows_per_op: run.rows,
    seconds: round(run.seconds, 3),
    ops_per_s: round(run.latencies.length / run.seconds, 1),
    rows_per_s: round((run.latencies.length * run.rows) / run.seconds, 1),
    p50_ms: round(percentile(run.latencies, 50)),
    p99_ms: round(percentile(run.latencies, 99)),
  }
}

/** [rollups by pages, rollups at once, raw]: p50/p95 of each; a ratio is raw p50 over its p50. */
export async function measureQuery(db: Database, data: QueryData): Promise<Measurement[]> {
  const a = await fromRollups(db, queryOrg(0), data)
  const b = await fromRaw(db, queryOrg(0), data)
  // The two answers must be the same, or the ratio compares different work; a difference is printed
  // and named in the figures rather than thrown, so the other phases' figures are not lost.
  const differ = JSON.stringify(a) !== JSON.stringify(b)
  if (differ) {
    const first = a.findIndex((row, i) => JSON.stringify(row) !== JSON.stringify(b[i]))
    process.stderr.write(
      `  ANSWERS DIFFER (${a.length} vs ${b.length} rows), first at ${first}: ${JSON.stringify([a[first], b[first]])}\n`,
    )
  }
  const rollup = measurementOf(
    '30 days by hour by model, usage_rollup_hour (queryUsagePage, pages of 1000)',
    await timed(200, 60_000, (org) => fromRollups(db, org, data)),
  )
  const atOnce = measurementOf(
    'the same rollup SQL in one query (no pages)',
    await timed(200, 60_000, (org) => fromRollupsAtOnce(db, org, data)),
  )
  const raw = measurementOf(
    `same answer, GROUP BY over usage_raw (${data.events} raw events)`,
    await timed(20, 120_000, (org) => fromRaw(db, org, data)),
  )
  const against = (m: Measurement) => ({
    ...m,
    baseline: raw.name,
    ratio_to_baseline: round(raw.p50_ms / m.p50_ms, 1),
  })
  const flag = (m: Measurement) => (differ ? { ...m, name: `${m.name} (ANSWERS DIFFER)` } : m)
  return [against(rollup), against(atOnce), raw].map(flag)
}
