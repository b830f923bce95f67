import { RANGE_OPTIONS, rangeOf } from './analytics.ts'
import { analytics, listPages, PAGE_OPTIONS, type Subcommand, show } from './command.ts'
import { EXIT } from './exit-codes.ts'
import type { Column } from './output.ts'

// `aiaas usage`: GET /analytics/v1/usage, an organization's usage per bucket.

const GROUP_COLUMNS: Record<string, Column> = {
  model: { header: 'MODEL', field: 'model' },
  api_key: { header: 'KEY', field: 'api_key_id' },
  backend: { header: 'BACKEND', field: 'backend' },
}

function columnsOf(groupBy: readonly string[]): Column[] {
  return [
    { header: 'BUCKET', field: 'bucket_start' },
    ...groupBy.flatMap((key) => (GROUP_COLUMNS[key] ? [GROUP_COLUMNS[key]] : [])),
    { header: 'REQUESTS', field: 'requests' },
    { header: 'ERRORS', field: 'errors' },
    { header: 'INPUT_TOKENS', field: 'input_tokens' },
    { header: 'OUTPUT_TOKENS', field: 'output_tokens' },
    { header: 'COST_USD', field: 'cost_usd' },
  ]
}

export const usage: Subcommand = {
  about: "an organization's requests, tokens and cost per bucket (analytics API)",
  options: { ...RANGE_OPTIONS, ...PAGE_OPTIONS },
  async run(ctx, values) {
    const { group_by, ...range } = rangeOf(values, ctx.now())
    const query = { ...range, group_by: group_by.join(',') || undefined }
    const body = await listPages(ctx, (q) => analytics(ctx, 'GET', '/usage', { query: q }), query, values)
    show(ctx, body, columnsOf(group_by))
    return EXIT.ok
  },
}
