// Which period of a budget an instant falls in, in the organization's time zone: a daily budget
// of an organization in Asia/Tokyo rolls over at Tokyo's midnight, not UTC's. Pure: the instant
// comes in; Intl's bundled tz data is deterministic for a given runtime.

export const BUDGET_PERIODS = ['daily', 'monthly', 'total'] as const
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number]

export interface PeriodOf {
  /** Names the period in ledger keys: `2026-11-26` (daily), `2026-11` (monthly) or `total`. */
  label: string
  /** The ISO date the period starts on (`2026-11-01` for November), or `total`. */
  start: string
  /** How long the period's counter must live after a write: past the period's end, with margin. */
  ttlMs: number
}

const DAY_MS = 86_400_000
/** A counter outlives its period by this much, so the threshold worker reads a just-ended period. */
const MARGIN_MS = 35 * DAY_MS
/** A `total` counter never rolls over; it lives this long after its last write. */
const TOTAL_TTL_MS = 10 * 365 * DAY_MS

const formats = new Map<string, Intl.DateTimeFormat>()
/** The last date read per zone and the UTC minute it is for: every offset is whole minutes. */
const lastDates = new Map<string, { minute: number; date: string }>()
const MINUTE_MS = 60_000
/** Some zones kept offsets in seconds (Liberia's −0:44:30) until 1972: read those times whole. */
const WHOLE_MINUTE_OFFSETS_SINCE = Date.UTC(1973, 0, 1)

/**
 * The calendar date of `now` in `timeZone` as YYYY-MM-DD (en-CA formats dates that way). A local
 * date changes only on a UTC minute boundary (offsets are whole minutes since 1972), so one
 * reading per zone and minute serves every request in it (formatToParts is costly, and the router
 * reads four dates per request).
 */
export function localDate(now: Date, timeZone: string): string {
  const time = now.getTime()
  const minute = time >= WHOLE_MINUTE_OFFSETS_SINCE ? Math.floor(time / MINUTE_MS) : Number.NaN
  const last = lastDates.get(timeZone)
  if (last?.minute === minute) return last.date
  let format = formats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formats.set(timeZone, format)
  }
  const parts = Object.fromEntries(format.formatToParts(now).map((part) => [part.type, part.value]))
  const date = `${parts.year}-${parts.month}-${parts.day}`
  lastDates.set(timeZone, { minute, date })
  return date
}

export function periodOf(period: BudgetPeriod, timeZone: string, now: Date): PeriodOf {
  switch (period) {
    case 'daily': {
      const day = localDate(now, timeZone)
      // A local day ends at most 2 days after any instant inside it (UTC offsets stay within ±14 h).
      return { label: day, start: day, ttlMs: 2 * DAY_MS + MARGIN_MS }
    }
    case 'monthly': {
      const month = localDate(now, timeZone).slice(0, 7)
      return { label: month, start: `${month}-01`, ttlMs: 33 * DAY_MS + MARGIN_MS }
    }
    case 'total':
      return { label: 'total', start: 'total', ttlMs: TOTAL_TTL_MS }
    default: {
      const unknown: never = period
      throw new Error(`unknown period ${JSON.stringify(unknown)}`)
    }
  }
}

/** The budget ledger's counter of a budget for one period: `budget:<budget_id>:<label>`. */
export const counterKey = (budget_id: string, period: PeriodOf): string =>
  `budget:${budget_id}:${period.label}`

const MONTH_MS = 33 * DAY_MS

/**
 * When the period `now` falls in ends (the next one starts) in `timeZone`: the next local midnight
 * (daily) or the first of next month (monthly), as an instant; null for `total`, which never ends.
 * Found by bisection on the local date, so a midnight skipped by a DST change gives the first
 * instant of the new day.
 */
export function periodEnd(period: BudgetPeriod, timeZone: string, now: Date): Date | null {
  if (period === 'total') return null
  const label = periodOf(period, timeZone, now).label
  let inside = now.getTime()
  let after = inside + (period === 'daily' ? 2 * DAY_MS : MONTH_MS)
  while (after - inside > 1) {
    const middle = Math.floor((inside + after) / 2)
    if (periodOf(period, timeZone, new Date(middle)).label === label) inside = middle
    else after = middle
  }
  return new Date(after)
}

/**
 * When the period `now` falls in started in `timeZone`: the last local midnight (daily) or the
 * first of the local month (monthly), as an instant; null for `total`, which has no start. Found
 * by bisection like periodEnd, so a day whose midnight a DST change skips starts at its first
 * instant.
 */
export function periodStart(period: BudgetPeriod, timeZone: string, now: Date): Date | null {
  if (period === 'total') return null
  const label = periodOf(period, timeZone, now).label
  let inside = now.getTime()
  let before = inside - (period === 'daily' ? 2 * DAY_MS : MONTH_MS)
  while (inside - before > 1) {
    const middle = Math.floor((inside + before) / 2)
    if (periodOf(period, timeZone, new Date(middle)).label === label) inside = middle
    else before = middle
  }
  return new Date(inside)
}

/** Both ends of the period `now` falls in: start <= now < end; both null for `total`. */
export function periodBounds(
  period: BudgetPeriod,
  timeZone: string,
  now: Date,
): { start: Date | null; end: Date | null } {
  return { start: periodStart(period, timeZone, now), end: periodEnd(period, timeZone, now) }
}
