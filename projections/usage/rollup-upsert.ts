import type { Histogram } from '../../domain/usage/histogram.ts'
import type { Grain, RollupRow } from '../../domain/usage/rollup.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { arrayLiteral } from './array-literal.ts'

// Adds a batch's rollup rows (domain/usage/rollup.ts) to one grain's rollup table in one statement.
// A batch adds a few events to each row, so its histograms travel sparse — (slot, count) pairs of
// the non-zero buckets — and an existing row is merged by usage_hist_add_counts (migration 0520),
// which touches only those buckets, rather than by a walk over every bucket of both histograms
// (measured: docs/benchmarks.md, "Analytics"). The rows that exist are updated first (UPDATE …
// FROM, where the sparse columns are at hand); the others are inserted. A row another ingest
// inserted after this statement's snapshot makes the INSERT conflict: that rare row is merged
// densely (usage_hist_add), so concurrent replicas still add up exactly.

const TABLE: Record<Grain, string> = {
  minute: 'usage_rollup_minute',
  hour: 'usage_rollup_hour',
  day: 'usage_rollup_day',
}

const KEY = ['organization_id', 'bucket', 'api_key_id', 'model', 'backend', 'status_class'] as const
const COUNTERS = [
  'requests',
  'errors',
  'input_tokens',
  'output_tokens',
  'cost_nanos',
  'streamed',
  'cancelled',
  'estimated',
] as const

const sameKey = (left: string, right: string) => KEY.map((c) => `${left}.${c} = ${right}.${c}`).join(' AND ')

const upsertSql = (table: string) => `
  WITH d AS (
    SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                         $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[],
                         $13::bigint[], $14::bigint[], $15::text[], $16::text[], $17::text[], $18::text[])
      AS t(bucket, organization_id, api_key_id, model, backend, status_class, ${COUNTERS.join(', ')},
           latency_slots, latency_counts, ttfb_slots, ttfb_counts)
  ), updated AS (
    UPDATE ${table} AS r SET ${COUNTERS.map((c) => `${c} = r.${c} + d.${c}`).join(', ')},
      latency_hist = usage_hist_add_counts(r.latency_hist, d.latency_slots::integer[], d.latency_counts::bigint[]),
      ttfb_hist = usage_hist_add_counts(r.ttfb_hist, d.ttfb_slots::integer[], d.ttfb_counts::bigint[])
      FROM d WHERE ${sameKey('r', 'd')}
    RETURNING ${KEY.map((c) => `r.${c}`).join(', ')}
  )
  INSERT INTO ${table} AS r (${KEY.join(', ')}, ${COUNTERS.join(', ')}, latency_hist, ttfb_hist)
  SELECT ${KEY.map((c) => `d.${c}`).join(', ')}, ${COUNTERS.map((c) => `d.${c}`).join(', ')},
         usage_hist_add_counts('{}', d.latency_slots::integer[], d.latency_counts::bigint[]),
         usage_hist_add_counts('{}', d.ttfb_slots::integer[], d.ttfb_counts::bigint[])
    FROM d WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE ${sameKey('u', 'd')})
  ON CONFLICT (${KEY.join(', ')}) DO UPDATE SET ${COUNTERS.map((c) => `${c} = r.${c} + EXCLUDED.${c}`).join(', ')},
    latency_hist = usage_hist_add(r.latency_hist, EXCLUDED.latency_hist),
    ttfb_hist = usage_hist_add(r.ttfb_hist, EXCLUDED.ttfb_hist)`

const STATEMENTS: Record<Grain, string> = {
  minute: upsertSql(TABLE.minute),
  hour: upsertSql(TABLE.hour),
  day: upsertSql(TABLE.day),
}

/** A histogram's non-zero buckets as two PostgreSQL array literals: 1-based slots and counts. */
export function sparseLiterals(histogram: Histogram): [slots: string, counts: string] {
  const slots: number[] = []
  const counts: number[] = []
  histogram.forEach((count, bucket) => {
    if (count === 0) return
    slots.push(bucket + 1)
    counts.push(count)
  })
  return [`{${slots.join(',')}}`, `{${counts.join(',')}}`]
}

function columnsOf(rows: readonly RollupRow[]): string[] {
  const column = (pick: (row: RollupRow) => string | number) => arrayLiteral(rows.map(pick))
  const latency = rows.map((r) => sparseLiterals(r.latency_hist))
  const ttfb = rows.map((r) => sparseLiterals(r.ttfb_hist))
  return [
    column((r) => r.bucket.toISOString()),
    ...KEY.filter((c) => c !== 'bucket').map((c) => column((r) => r[c])),
    ...COUNTERS.map((c) => column((r) => r[c])),
    arrayLiteral(latency.map(([slots]) => slots)),
    arrayLiteral(latency.map(([, counts]) => counts)),
    arrayLiteral(ttfb.map(([slots]) => slots)),
    arrayLiteral(ttfb.map(([, counts]) => counts)),
  ]
}

/** Adds `rows` (distinct keys, one grain) to that grain's rollup table. */
export async function addToRollup(tx: Sql, grain: Grain, rows: readonly RollupRow[]): Promise<void> {
  if (rows.length === 0) return
  await tx.query(STATEMENTS[grain], columnsOf(rows))
}
