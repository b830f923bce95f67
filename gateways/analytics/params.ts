import { z } from 'zod'
import type { Granularity, UsageGroupKey } from '../../projections/usage/rollup-groups.ts'

// The query parameters the usage and reliability routes share, and the bounds that keep any one
// request cheap: a range of at most MAX_BUCKETS_SPAN per granularity (so the rollup rows read are
// bounded) and at most MAX_ROWS rows per page (docs/errors.md, "Input limits").

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

/** The longest range per granularity: 24 hours of minutes, 31 days of hours, 1,830 days of days. */
export const MAX_RANGE_MS: Record<Granularity, number> = {
  minute: DAY_MS,
  hour: 31 * DAY_MS,
  day: 366 * 5 * DAY_MS,
}
export const MAX_ROWS = 1000
export const DEFAULT_ROWS = 100

// Dates outside this window cannot hold usage, and some (year 0) PostgreSQL refuses outright,
// which was a 500. docs/errors.md states the window.
export const EARLIEST = '2000-01-01T00:00:00Z'
export const LATEST = '2100-01-01T00:00:00Z'

const instant = z.iso
  .datetime({ offset: true })
  .refine((s) => Date.parse(s) >= Date.parse(EARLIEST) && Date.parse(s) <= Date.parse(LATEST), {
    message: `must be between ${EARLIEST} and ${LATEST}`,
  })

/** `group_by=model,backend`: a comma-separated list of the allowed keys, duplicates ignored. */
export function groupByParam<K extends UsageGroupKey>(keys: readonly [K, ...K[]]) {
  return z
    .string()
    .max(100)
    .transform((text) => (text === '' ? [] : [...new Set(text.split(','))]))
    .pipe(z.array(z.enum(keys)))
    .default([])
}

/** The fields of a grouped analytics query; group_by's allowed keys are the route's. */
export const rangeFields = {
  organization_id: z.uuid(),
  from: instant,
  to: instant,
  granularity: z.enum(['minute', 'hour', 'day']).default('hour'),
  limit: z.coerce.number().int().min(1).max(MAX_ROWS).default(DEFAULT_ROWS),
  /** `next_cursor` of the previous page; absent for the first. */
  cursor: z.string().min(1).max(16_384).optional(),
}

interface Range {
  from: string
  to: string
  granularity: Granularity
}

/** The checks across fields of a range, each a 400 VALIDATION_FAILED naming its field. */
export function checkRange(range: Range, ctx: z.RefinementCtx): void {
  const { from, to, granularity } = range
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
  if (Date.parse(from) >= Date.parse(to)) issue('from', 'from must be before to')
  else if (Date.parse(to) - Date.parse(from) > MAX_RANGE_MS[granularity])
    issue(
      'to',
      'the range is too long for this granularity (minute: 24 hours, hour: 31 days, day: 1,830 days)',
    )
}

/** The freshness every analytics answer carries (projections/usage/freshness.ts). */
export const freshnessSchema = z.object({
  complete_through: z.string().nullable(),
  lag_seconds: z.number().nullable(),
  last_event_at: z.string().nullable(),
  last_ingested_at: z.string().nullable(),
})
