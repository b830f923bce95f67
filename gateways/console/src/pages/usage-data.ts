// Usage rows (GET /analytics/v1/usage) shaped for the charts and the table. Pure: tested in
// tests/gateways/console/usage-data.unit.test.ts.

export type Bucket = 'minute' | 'hour' | 'day'
export type GroupKey = 'model' | 'api_key' | 'backend'
export type Metric = 'requests' | 'tokens' | 'spend'

export interface UsageRow {
  bucket_start: string
  model?: string
  api_key_id?: string
  backend?: string
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cost_usd: string
}

/** The x values (seconds, ascending) and one series of y values per group, null where a group had no row. */
export interface ChartData {
  xs: number[]
  series: { label: string; values: (number | null)[] }[]
}

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }
/** How far back each bucket size looks: 2 hours of minutes, 2 days of hours, 30 days of days. */
const SPAN_BUCKETS: Record<Bucket, number> = { minute: 120, hour: 48, day: 30 }

/** The query range ending after the current bucket, aligned to buckets (UTC). */
export function rangeFor(bucket: Bucket, now: Date): { from: string; to: string } {
  const size = BUCKET_MS[bucket]
  const end = Math.floor(now.getTime() / size) * size + size
  return { from: new Date(end - SPAN_BUCKETS[bucket] * size).toISOString(), to: new Date(end).toISOString() }
}

export function groupOf(row: UsageRow, key: GroupKey): string {
  const value = key === 'model' ? row.model : key === 'api_key' ? row.api_key_id : row.backend
  return value ?? '(none)'
}

export function metricOf(row: UsageRow, metric: Metric): number {
  if (metric === 'requests') return row.requests
  if (metric === 'tokens') return row.input_tokens + row.output_tokens
  return Number(row.cost_usd)
}

/** `names`: a display name by group value (an API key's name by its id); a value without one shows as it is. */
export function chartData(
  rows: readonly UsageRow[],
  metric: Metric,
  key: GroupKey,
  names: ReadonlyMap<string, string> = new Map(),
): ChartData {
  const xs = [...new Set(rows.map((row) => Date.parse(row.bucket_start) / 1000))].sort((a, b) => a - b)
  const at = new Map(xs.map((x, index) => [x, index]))
  const groups = new Map<string, (number | null)[]>()
  for (const row of rows) {
    const value = groupOf(row, key)
    const label = names.get(value) ?? value
    const values = groups.get(label) ?? xs.map(() => null)
    const index = at.get(Date.parse(row.bucket_start) / 1000) ?? 0
    values[index] = (values[index] ?? 0) + metricOf(row, metric)
    groups.set(label, values)
  }
  const series = [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, values]) => ({ label, values }))
  return { xs, series }
}

/** The table's rows: newest bucket first, then by group. */
export function tableRows(rows: readonly UsageRow[], key: GroupKey): UsageRow[] {
  return [...rows].sort(
    (a, b) => b.bucket_start.localeCompare(a.bucket_start) || groupOf(a, key).localeCompare(groupOf(b, key)),
  )
}

/** Axis numbers readable at any size: a spend of $0.000014 is not "0". */
export function tick(value: number): string {
  if (value === 0 || Math.abs(value) >= 1) return String(Number(value.toFixed(2)))
  return String(Number(value.toPrecision(2)))
}
