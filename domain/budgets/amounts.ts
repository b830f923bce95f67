import { AppError } from '../errors.ts'

// A budget's limit and alert thresholds as the domain keeps them. The limit is an exact decimal
// ("25.00") turned into integer micro-USD, never a float: 0.1 + 0.2 is not 0.3, and a budget
// compared against a ledger of integers must be an integer too.

export const MICROS_PER_USD = 1_000_000
export const NANOS_PER_USD = 1_000_000_000

/** A cost as the spend ledger and analytics count it: integer nano-USD, rounded up. */
export const toNanos = (usd: number): number => Math.ceil(usd * NANOS_PER_USD)
/**
 * The largest limit: the budget ledger counts nano-USD in safe integers (2^53 ≈ 9.007e15 nanos),
 * so $9M per period is the most it holds exactly.
 */
export const MAX_LIMIT_USD = 9_000_000
export const MAX_LIMIT_MICROS = MAX_LIMIT_USD * MICROS_PER_USD
/** The most alert thresholds one budget may have. */
export const MAX_THRESHOLDS = 10

const DECIMAL = /^(\d{1,7})(?:\.(\d{1,6}))?$/

/** "25.00" → 25_000_000. Refuses negatives, more than 6 decimals, exponents and anything else. */
export function limitMicros(limit_usd: string): number {
  const match = DECIMAL.exec(limit_usd)
  const micros = match ? Number(match[1]) * MICROS_PER_USD + Number((match[2] ?? '').padEnd(6, '0')) : -1
  if (micros < 0 || micros > MAX_LIMIT_MICROS) {
    throw new AppError(
      'BUDGET_LIMIT_INVALID',
      `limit_usd must be a decimal string from "0" to "${MAX_LIMIT_USD}" with at most 6 decimals, e.g. "25.00"`,
      { limit_usd },
    )
  }
  return micros
}

/** 25_000_000 → "25.00", 1 → "0.000001": the limit as the API shows it, exact, cents at least. */
export function usdOf(micros: number): string {
  const whole = Math.trunc(micros / MICROS_PER_USD)
  const fraction = String(micros % MICROS_PER_USD)
    .padStart(6, '0')
    .replace(/0{1,4}$/, '')
  return `${whole}.${fraction}`
}

/** Fractions 0 < f <= 1, at most MAX_THRESHOLDS, no repeats; stored sorted so one set is one value. */
export function canonicalThresholds(thresholds: readonly number[]): number[] {
  const sorted = [...thresholds].sort((a, b) => a - b)
  const valid =
    sorted.length <= MAX_THRESHOLDS &&
    sorted.every((f, i) => Number.isFinite(f) && f > 0 && f <= 1 && f !== sorted[i - 1])
  if (!valid) {
    throw new AppError(
      'BUDGET_THRESHOLDS_INVALID',
      `alert_thresholds must be at most ${MAX_THRESHOLDS} distinct fractions, each above 0 and at most 1`,
      { alert_thresholds: thresholds.slice(0, MAX_THRESHOLDS + 1) },
    )
  }
  return sorted
}
