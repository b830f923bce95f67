import { usdOf } from '../../domain/budgets/amounts.ts'

// What a budget alert webhook receives for one BudgetThresholdCrossed event. Amounts go out as
// exact decimal strings in USD (like the admin API), never floats: a receiver comparing spend
// with its limit must not see 0.30000000000000004.

/** The fields of one recorded crossing the body is built from. */
export interface CrossingRecord {
  /** The event's id: receivers dedupe on it (also sent as header `x-aiaas-event-id`). */
  event_id: string
  budget_id: string
  organization_id: string
  /** The key the budget is on; null for the organization's budget. */
  api_key_id: string | null
  threshold: number
  period_start: string
  spent_micros: number
  limit_micros: number
  crossed_at: string
}

export interface BudgetAlertBody {
  id: string
  type: 'BudgetThresholdCrossed'
  organization_id: string
  budget_id: string
  api_key_id: string | null
  threshold: number
  period_start: string
  spent_usd: string
  limit_usd: string
  occurred_at: string
}

export function budgetAlertBody(crossing: CrossingRecord): BudgetAlertBody {
  return {
    id: crossing.event_id,
    type: 'BudgetThresholdCrossed',
    organization_id: crossing.organization_id,
    budget_id: crossing.budget_id,
    api_key_id: crossing.api_key_id,
    threshold: crossing.threshold,
    period_start: crossing.period_start,
    spent_usd: usdOf(crossing.spent_micros),
    limit_usd: usdOf(crossing.limit_micros),
    occurred_at: crossing.crossed_at,
  }
}

/** Wait before attempt `attempt + 1` (attempt counts from 1): base, 2×base, 4×base…, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** (attempt - 1))
}
