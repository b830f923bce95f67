import type { ChartData } from './usage-data.ts'

// The reliability page's numbers: the query for a range, and the rows of
// GET /analytics/v1/reliability turned into chart series (one line per model/backend) and table
// rows. Pure: tested in tests/gateways/console/reliability-series.unit.test.ts.

export type Granularity = 'minute' | 'hour' | 'day'

interface Percentiles {
  p50: number | null
  p95: number | null
  p99: number | null
}

/** One row of the reliability report. */
export interface ReliabilityRow {
  bucket_start: string
  backend?: string
  model?: string
  requests: number
  errors: number
  error_rate: number | null
  error_rate_by_class: { '4xx': number | null; '5xx': number | null }
  latency_ms: Percentiles
  ttfb_ms: Percentiles
}

export const RANGES = {
  hour: { label: 'Last hour', ms: 3_600_000, granularity: 'minute' },
  day: { label: 'Last 24 hours', ms: 86_400_000, granularity: 'hour' },
  week: { label: 'Last 7 days', ms: 7 * 86_400_000, granularity: 'hour' },
  month: { label: 'Last 30 days', ms: 30 * 86_400_000, granularity: 'day' },
} as const satisfies Record<string, { label: string; ms: number; granularity: Granularity }>

export type RangeName = keyof typeof RANGES

export const isRangeName = (text: string | null): text is RangeName => text !== null && text in RANGES

export type GroupBy = 'model' | 'backend' | 'model,backend'

/**
 * The query for the last `range` before `now`: `to` is the end of the current bucket, so the
 * bucket in progress is shown, and `from` a whole number of buckets before it (the API rejects
 * a range longer than its granularity allows, so the span never exceeds the preset's).
 */
export function reliabilityQuery(organizationId: string, range: RangeName, groupBy: GroupBy, now: Date) {
  const { ms, granularity } = RANGES[range]
  const bucket = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[granularity]
  const to = Math.floor(now.getTime() / bucket) * bucket + bucket
  return {
    organization_id: organizationId,
    from: new Date(to - ms).toISOString(),
    to: new Date(to).toISOString(),
    granularity,
    group_by: groupBy,
    limit: 1000,
  }
}

/** The name of a row's line: "gpt-4o", "backend-a", or "gpt-4o · backend-a". */
export const groupName = (row: Pick<ReliabilityRow, 'model' | 'backend'>) =>
  [row.model, row.backend].filter((part) => part !== undefined).join(' · ') || 'all'

export type Metric = 'error_rate' | 'latency_p95' | 'ttfb_p95'

export const METRICS: Record<
  Metric,
  { label: string; unit: string; value: (row: ReliabilityRow) => number | null }
> = {
  error_rate: {
    label: 'Error rate',
    unit: '%',
    value: (row) => (row.error_rate === null ? null : row.error_rate * 100),
  },
  latency_p95: { label: 'Latency p95', unit: 'ms', value: (row) => row.latency_ms.p95 },
  ttfb_p95: { label: 'Time to first byte p95', unit: 'ms', value: (row) => row.ttfb_ms.p95 },
}

/** The rows as aligned series of `metric` (ui/chart.tsx's data), lines in name order. */
export function buildSeries(rows: readonly ReliabilityRow[], metric: Metric): ChartData {
  const xs = [...new Set(rows.map((row) => Date.parse(row.bucket_start) / 1000))].sort((a, b) => a - b)
  const index = new Map(xs.map((t, i) => [t, i]))
  const byName = new Map<string, Array<number | null>>()
  for (const row of rows) {
    const name = groupName(row)
    let values = byName.get(name)
    if (!values) {
      values = xs.map(() => null)
      byName.set(name, values)
    }
    const at = index.get(Date.parse(row.bucket_start) / 1000)
    if (at !== undefined) values[at] = METRICS[metric].value(row)
  }
  const series = [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, values]) => ({ label, values }))
  return { xs, series }
}

/** The table's order: newest bucket first, then by group name. */
export function tableOrder(rows: readonly ReliabilityRow[]): ReliabilityRow[] {
  return [...rows].sort(
    (a, b) => b.bucket_start.localeCompare(a.bucket_start) || groupName(a).localeCompare(groupName(b)),
  )
}
