import { RANGE_OPTIONS, rangeOf } from './analytics.ts'
import { analytics, listPages, PAGE_OPTIONS, type Subcommand, show } from './command.ts'
import { EXIT } from './exit-codes.ts'
import type { Column } from './output.ts'

// `aiaas reliability`: GET /analytics/v1/reliability, error rate and latency / TTFB percentiles
// per bucket, grouped by backend and/or model.

const GROUP_COLUMNS: Record<string, Column> = {
  backend: { header: 'BACKEND', field: 'backend' },
  model: { header: 'MODEL', field: 'model' },
}

function columnsOf(groupBy: readonly string[]): Column[] {
  return [
    { header: 'BUCKET', field: 'bucket_start' },
    ...groupBy.flatMap((key) => (GROUP_COLUMNS[key] ? [GROUP_COLUMNS[key]] : [])),
    { header: 'REQUESTS', field: 'requests' },
    { header: 'ERROR_RATE', field: 'error_rate' },
    { header: 'LATENCY_P50', field: 'latency_ms.p50' },
    { header: 'P95', field: 'latency_ms.p95' },
    { header: 'P99', field: 'latency_ms.p99' },
    { header: 'TTFB_P50', field: 'ttfb_ms.p50' },
    { header: 'P95', field: 'ttfb_ms.p95' },
  ]
}

export const reliability: Subcommand = {
  about: "an organization's error rate and latency percentiles (ms) per bucket (analytics API)",
  options: {
    ...RANGE_OPTIONS,
    'group-by': { type: 'string', value: '<backend,model>', about: 'group rows by these' },
    ...PAGE_OPTIONS,
  },
  async run(ctx, values) {
    const { group_by, ...range } = rangeOf(values, ctx.now())
    const query = { ...range, group_by: group_by.join(',') || undefined }
    const body = await listPages(
      ctx,
      (q) => analytics(ctx, 'GET', '/reliability', { query: q }),
      query,
      values,
    )
    show(ctx, body, columnsOf(group_by))
    return EXIT.ok
  },
}
