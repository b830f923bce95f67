import { formatInstant, formatPercent, formatUsd, usdNumber } from './figures.ts'

// What a budget's bar shows: the spend recorded so far this period against the limit, what the
// router's ledger holds for requests in flight on top, and each alert threshold as a mark. Pure:
// tested in tests/gateways/console/budget-bar.unit.test.ts.

/** One budget's line of GET /analytics/v1/spend?period=current. */
export interface BudgetSpend {
  budget_id: string
  api_key_id: string | null
  period: 'daily' | 'monthly' | 'total'
  enforcement: 'hard' | 'soft'
  period_start: string | null
  resets_at: string | null
  limit_usd: string
  recorded_spend_usd: string
  ledger: { spent_usd: string; reserved_usd: string; seeded: boolean }
}

export type BarState = 'ok' | 'warning' | 'over'

export interface BudgetBar {
  /** Width of the spent part, 0…1 of the bar (the limit is the whole bar). */
  spent: number
  /** Width of the reserved part after it, 0…(1 − spent). */
  reserved: number
  /** Each threshold's place on the bar and whether the spend reached it. */
  marks: ReadonlyArray<{ at: number; reached: boolean }>
  state: BarState
  /** The bar in words, for screen readers and the table: "$8.00 of $10.00 (80 %)". */
  label: string
}

const clamp = (n: number) => Math.min(1, Math.max(0, n))

/**
 * The spend used is the larger of the recorded spend (the bill) and the ledger's settled spend
 * (what the router enforces): while usage events are in flight the ledger is ahead, and a bar
 * that lagged behind enforcement would say "room left" to a caller being refused.
 */
export function budgetBar(spend: BudgetSpend, thresholds: readonly number[]): BudgetBar {
  const limit = usdNumber(spend.limit_usd)
  const recorded = usdNumber(spend.recorded_spend_usd)
  const settled = usdNumber(spend.ledger.spent_usd)
  const used = Math.max(recorded, settled)
  const usedText = recorded >= settled ? spend.recorded_spend_usd : spend.ledger.spent_usd
  const ratio = limit > 0 ? used / limit : used > 0 ? Number.POSITIVE_INFINITY : 0
  const spent = clamp(ratio)
  const reserved = limit > 0 ? clamp(usdNumber(spend.ledger.reserved_usd) / limit) : 0
  const marks = [...thresholds].sort((a, b) => a - b).map((at) => ({ at: clamp(at), reached: ratio >= at }))
  const state: BarState =
    ratio >= 1 && used > 0 ? 'over' : marks.some((mark) => mark.reached) ? 'warning' : 'ok'
  const share = Number.isFinite(ratio) ? ` (${formatPercent(ratio)})` : ''
  return {
    spent,
    reserved: Math.min(reserved, 1 - spent),
    marks,
    state,
    label: `${formatUsd(usedText)} of ${formatUsd(spend.limit_usd)}${share}`,
  }
}

/** "Resets 2026-12-01 00:00 UTC" or "Never resets" (a total budget). */
export function resetText(resetsAt: string | null): string {
  return resetsAt === null ? 'Never resets' : `Resets ${formatInstant(resetsAt)}`
}

/**
 * The thresholds field as typed ("50, 80, 100" in percent) → fractions sorted ([0.5, 0.8, 1]), or
 * a message naming what is wrong. The API takes fractions 0 < f ≤ 1, at most 10.
 */
export function parseThresholds(text: string): { ok: true; value: number[] } | { ok: false; error: string } {
  const parts = text
    .split(/[\s,;]+/)
    .map((part) => part.replace(/%$/, ''))
    .filter((part) => part !== '')
  const value: number[] = []
  for (const part of parts) {
    const percent = Number(part)
    if (!Number.isFinite(percent) || percent <= 0 || percent > 100)
      return { ok: false, error: `"${part}" is not a percentage between 0 (excluded) and 100` }
    value.push(percent / 100)
  }
  if (value.length > 10) return { ok: false, error: 'at most 10 thresholds' }
  return { ok: true, value: [...new Set(value)].sort((a, b) => a - b) }
}

/** Fractions back to the field's text: [0.5, 0.8] → "50, 80". */
export const thresholdsText = (fractions: readonly number[]) =>
  fractions.map((f) => String(Math.round(f * 10_000) / 100)).join(', ')
