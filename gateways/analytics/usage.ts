import { z } from 'zod'
import { queryUsagePage, type UsageGroupKey, type UsageRow } from '../../projections/usage/usage-query.ts'
import { checkRange, freshnessSchema, groupByParam, rangeFields } from './params.ts'
import { groupedReport, type ReportDeps } from './report.ts'
import { usdOfNanos } from './spend.ts'

// GET /analytics/v1/usage: an organization's usage per bucket of the rollup of its granularity,
// grouped by any of model, api_key, backend (a row names only the keys grouped by), a page at a
// time. Money is an exact decimal string of USD (the rollups hold integer nano-USD).

export const usageQuery = z
  .object({ ...rangeFields, group_by: groupByParam(['model', 'api_key', 'backend']) })
  .strict()
  .superRefine(checkRange)

export const usageResponse = z.object({
  object: z.literal('usage'),
  organization_id: z.uuid(),
  granularity: z.enum(['minute', 'hour', 'day']),
  group_by: z.array(z.enum(['model', 'api_key', 'backend'])),
  data: z.array(
    z.object({
      bucket_start: z.string(),
      model: z.string().optional(),
      api_key_id: z.uuid().optional(),
      backend: z.string().optional(),
      requests: z.number(),
      errors: z.number(),
      input_tokens: z.number(),
      output_tokens: z.number(),
      cost_usd: z.string(),
    }),
  ),
  next_cursor: z.string().nullable(),
  freshness: freshnessSchema,
})

type Query = z.infer<typeof usageQuery>

/** A row as the API shows it: the group values it was grouped by, cost in USD. */
function shown(row: UsageRow, groupBy: readonly UsageGroupKey[]) {
  const { model, api_key_id, backend, cost_nanos, ...counts } = row
  return {
    bucket_start: row.bucket_start,
    ...(groupBy.includes('model') && model !== null ? { model } : {}),
    ...(groupBy.includes('api_key') && api_key_id !== null ? { api_key_id } : {}),
    ...(groupBy.includes('backend') && backend !== null ? { backend } : {}),
    requests: counts.requests,
    errors: counts.errors,
    input_tokens: counts.input_tokens,
    output_tokens: counts.output_tokens,
    cost_usd: usdOfNanos(cost_nanos),
  }
}

export function usageReport(deps: ReportDeps, q: Query) {
  return groupedReport(deps, q, 'usage', queryUsagePage, shown)
}
