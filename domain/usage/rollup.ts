import { type Histogram, histogramOf } from './histogram.ts'

// Rollups as the analytics store keeps them: per UTC minute, hour and day × organization × key ×
// model × backend × status class, summed counts and nano-USD, and histograms of latency and time
// to first byte. Pure: ingest computes a batch's rows here and adds them to the stored ones (an
// upsert that sums), so a rollup is always the sum of the distinct raw events it covers.

export const GRAINS = ['minute', 'hour', 'day'] as const
export type Grain = (typeof GRAINS)[number]

/** A usage event as stored raw: what a rollup is computed from. */
export interface StoredUsage {
  occurred_at: Date
  organization_id: string
  api_key_id: string
  model: string
  backend: string
  status: 'ok' | 'error'
  http_status: number
  input_tokens: number
  output_tokens: number
  cost_nanos: number
  latency_ms: number
  ttfb_ms: number | null
  streamed: boolean
  cancelled: boolean
  tokens_source: 'reported' | 'estimated'
}

export interface RollupRow {
  bucket: Date
  organization_id: string
  api_key_id: string
  model: string
  backend: string
  status_class: string
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cost_nanos: number
  streamed: number
  cancelled: number
  estimated: number
  latency_hist: Histogram
  ttfb_hist: Histogram
}

const STEP_MS: Record<Exclude<Grain, 'day'>, number> = { minute: 60_000, hour: 3_600_000 }

/** The start of the UTC minute, hour or day `at` falls in. */
export function bucketStart(at: Date, grain: Grain): Date {
  const ms = at.getTime()
  if (grain === 'day') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
  return new Date(ms - (((ms % STEP_MS[grain]) + STEP_MS[grain]) % STEP_MS[grain]))
}

/** 200 → '2xx', 429 → '4xx'. */
export const statusClassOf = (httpStatus: number): string => `${Math.floor(httpStatus / 100)}xx`

interface Group {
  row: Omit<RollupRow, 'latency_hist' | 'ttfb_hist'>
  latencies: number[]
  ttfbs: number[]
}

function keyOf(bucket: Date, event: StoredUsage): string {
  const { organization_id, api_key_id, model, backend, http_status } = event
  return JSON.stringify([
    bucket.getTime(),
    organization_id,
    api_key_id,
    model,
    backend,
    statusClassOf(http_status),
  ])
}

function newGroup(bucket: Date, event: StoredUsage): Group {
  const { organization_id, api_key_id, model, backend } = event
  const zero = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_nanos: 0 }
  const flags = { streamed: 0, cancelled: 0, estimated: 0 }
  const status_class = statusClassOf(event.http_status)
  const row = { bucket, organization_id, api_key_id, model, backend, status_class, ...zero, ...flags }
  return { row, latencies: [], ttfbs: [] }
}

function add(group: Group, event: StoredUsage): void {
  const { row } = group
  row.requests += 1
  row.errors += event.status === 'ok' ? 0 : 1
  row.input_tokens += event.input_tokens
  row.output_tokens += event.output_tokens
  row.cost_nanos += event.cost_nanos
  row.streamed += event.streamed ? 1 : 0
  row.cancelled += event.cancelled ? 1 : 0
  row.estimated += event.tokens_source === 'estimated' ? 1 : 0
  group.latencies.push(event.latency_ms)
  if (event.ttfb_ms !== null) group.ttfbs.push(event.ttfb_ms)
}

/** The rollup rows of `events` at one grain, one per distinct bucket and dimensions. */
export function rollUp(events: readonly StoredUsage[], grain: Grain): RollupRow[] {
  const groups = new Map<string, Group>()
  for (const event of events) {
    const bucket = bucketStart(event.occurred_at, grain)
    const key = keyOf(bucket, event)
    let group = groups.get(key)
    if (group === undefined) {
      group = newGroup(bucket, event)
      groups.set(key, group)
    }
    add(group, event)
  }
  return [...groups.values()].map(({ row, latencies, ttfbs }) => ({
    ...row,
    latency_hist: histogramOf(latencies),
    ttfb_hist: histogramOf(ttfbs),
  }))
}
