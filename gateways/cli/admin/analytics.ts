import { type OptionSpecs, text, type Values } from './args.ts'
import { UsageError } from './exit-codes.ts'

// The range and grouping flags `aiaas usage` and `aiaas export` share, with people's defaults:
// the last 24 hours by hour.

const DAY_MS = 24 * 3_600_000

export const RANGE_OPTIONS: OptionSpecs = {
  org: { type: 'string', value: '<organization-id>', about: 'the organization', required: true },
  from: { type: 'string', value: '<rfc3339>', about: 'start (default: 24 hours before --to)' },
  to: { type: 'string', value: '<rfc3339>', about: 'end (default: now)' },
  bucket: { type: 'string', value: '<minute|hour|day>', about: 'the granularity (default hour)' },
  'group-by': { type: 'string', value: '<model,api_key,backend>', about: 'group rows by these' },
}

export interface Range {
  organization_id: string
  from: string
  to: string
  granularity: string
  group_by: string[]
}

function instant(values: Values, name: string): string | undefined {
  const value = text(values, name)
  if (value !== undefined && Number.isNaN(Date.parse(value)))
    throw new UsageError(`--${name} must be an RFC 3339 instant, e.g. 2026-11-01T00:00:00Z`)
  return value
}

export function rangeOf(values: Values, now: Date): Range {
  const to = instant(values, 'to') ?? now.toISOString()
  const from = instant(values, 'from') ?? new Date(Date.parse(to) - DAY_MS).toISOString()
  const groupBy = text(values, 'group-by')
  return {
    organization_id: text(values, 'org') ?? '',
    from,
    to,
    granularity: text(values, 'bucket') ?? 'hour',
    group_by: groupBy === undefined || groupBy === '' ? [] : groupBy.split(','),
  }
}
