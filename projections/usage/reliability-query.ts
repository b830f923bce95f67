import { type Histogram, percentileOf } from '../../domain/usage/histogram.ts'
import type { Sql } from '../../infra/ports/database.ts'
import {
  type GroupedQuery,
  type GroupedRow,
  readGroupedPage,
  type SortKey,
  safeCount,
  sortKeyOf,
} from './rollup-groups.ts'

// Reliability of an organization (GET /analytics/v1/reliability): per bucket and group, requests
// by status class, the error rate, and latency and TTFB percentiles. The percentiles come from the
// group's histograms merged in SQL (usage_hist_sum, an exact bucket-by-bucket sum), then read by
// percentileOf: the distribution of an hour is the sum of its minutes', never an average of their
// percentiles (domain/usage/histogram.ts: within ±6.25% of the exact value).

export type ReliabilityGroupKey = 'model' | 'backend'
export type ReliabilityQuery = GroupedQuery & { group_by: readonly ReliabilityGroupKey[] }

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const
export type StatusClass = (typeof STATUS_CLASSES)[number]

export interface Percentiles {
  p50: number | null
  p95: number | null
  p99: number | null
}

export interface ReliabilityRow extends SortKey {
  requests: number
  /** Requests whose status was `error`. */
  errors: number
  /** errors / requests; null for a bucket without requests. */
  error_rate: number | null
  /** Requests per HTTP status class. */
  status_classes: Record<StatusClass, number>
  /** The share of requests answered 4xx and 5xx (the error classes); null without requests. */
  error_rate_by_class: { '4xx': number | null; '5xx': number | null }
  latency_ms: Percentiles
  /** Null percentiles when no request of the group reported a time to first byte. */
  ttfb_ms: Percentiles
}

export interface ReliabilityPage {
  rows: ReliabilityRow[]
  next_cursor: string | null
}

const MEASURES = [
  'sum(requests)::bigint AS requests',
  'sum(errors)::bigint AS errors',
  ...STATUS_CLASSES.map(
    (c) => `coalesce(sum(requests) FILTER (WHERE status_class = '${c}'), 0)::bigint AS "${c}"`,
  ),
  'usage_hist_sum(latency_hist) AS latency_hist',
  'usage_hist_sum(ttfb_hist) AS ttfb_hist',
].join(', ')

const histogramOf = (name: string, counts: unknown): Histogram => {
  if (!Array.isArray(counts)) throw new Error(`${name} is not an array`)
  return counts.map((n) => safeCount(name, n))
}

export function percentilesOf(histogram: Histogram): Percentiles {
  return {
    p50: percentileOf(histogram, 0.5),
    p95: percentileOf(histogram, 0.95),
    p99: percentileOf(histogram, 0.99),
  }
}

const shareOf = (part: number, whole: number) => (whole === 0 ? null : part / whole)

function rowOf(row: GroupedRow): ReliabilityRow {
  const requests = safeCount('requests', row.requests)
  const errors = safeCount('errors', row.errors)
  const count = (c: StatusClass) => safeCount(c, row[c])
  const status_classes = {
    '1xx': count('1xx'),
    '2xx': count('2xx'),
    '3xx': count('3xx'),
    '4xx': count('4xx'),
    '5xx': count('5xx'),
  }
  return {
    ...sortKeyOf(row),
    requests,
    errors,
    error_rate: shareOf(errors, requests),
    status_classes,
    error_rate_by_class: {
      '4xx': shareOf(status_classes['4xx'], requests),
      '5xx': shareOf(status_classes['5xx'], requests),
    },
    latency_ms: percentilesOf(histogramOf('latency_hist', row.latency_hist)),
    ttfb_ms: percentilesOf(histogramOf('ttfb_hist', row.ttfb_hist)),
  }
}

/** One page of reliability rows after `page.cursor` (null: the first); INVALID_CURSOR as usage. */
export async function queryReliabilityPage(
  db: Sql,
  query: ReliabilityQuery,
  page: { cursor: string | null; limit: number },
): Promise<ReliabilityPage> {
  return readGroupedPage(db, query, MEASURES, page, rowOf)
}
