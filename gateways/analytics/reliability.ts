import { z } from 'zod'
import {
  queryReliabilityPage,
  type ReliabilityGroupKey,
  type ReliabilityRow,
} from '../../projections/usage/reliability-query.ts'
import { checkRange, freshnessSchema, groupByParam, rangeFields } from './params.ts'
import { groupedReport, type ReportDeps } from './report.ts'

// GET /analytics/v1/reliability: per bucket and group (backend, model), requests by HTTP status
// class, the error rate, and latency and TTFB p50/p95/p99 in ms from the merged histograms
// (projections/usage/reliability-query.ts), a page at a time.

export const reliabilityQuery = z
  .object({ ...rangeFields, group_by: groupByParam(['backend', 'model']) })
  .strict()
  .superRefine(checkRange)

const percentiles = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
})

export const reliabilityResponse = z.object({
  object: z.literal('reliability'),
  organization_id: z.uuid(),
  granularity: z.enum(['minute', 'hour', 'day']),
  group_by: z.array(z.enum(['backend', 'model'])),
  data: z.array(
    z.object({
      bucket_start: z.string(),
      backend: z.string().optional(),
      model: z.string().optional(),
      requests: z.number(),
      errors: z.number(),
      error_rate: z.number().nullable(),
      status_classes: z.record(z.string(), z.number()),
      error_rate_by_class: z.object({ '4xx': z.number().nullable(), '5xx': z.number().nullable() }),
      latency_ms: percentiles,
      ttfb_ms: percentiles,
    }),
  ),
  next_cursor: z.string().nullable(),
  freshness: freshnessSchema,
})

type Query = z.infer<typeof reliabilityQuery>

function shown(row: ReliabilityRow, groupBy: readonly ReliabilityGroupKey[]) {
  const { bucket_start, model, backend, api_key_id: _, ...figures } = row
  return {
    bucket_start,
    ...(groupBy.includes('backend') && backend !== null ? { backend } : {}),
    ...(groupBy.includes('model') && model !== null ? { model } : {}),
    ...figures,
  }
}

export function reliabilityReport(deps: ReportDeps, q: Query) {
  return groupedReport(deps, q, 'reliability', queryReliabilityPage, shown)
}
