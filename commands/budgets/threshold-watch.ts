import { thresholdReached } from '../../domain/budgets/decide.ts'
import { type BudgetPeriod, periodOf } from '../../domain/budgets/period.ts'
import type { CommandContext, CommandDeps } from '../handle-command.ts'
import { recordThresholdCrossed } from './budget-commands.ts'

// Alerts on budgets: the router must not write identity state, so crossing a threshold is
// detected here, on the identity side. Every few seconds each budget with alert thresholds has
// its current period's counter read from the spend ledger, and a crossing the stream has not
// recorded for that period is recorded (BudgetThresholdCrossed). The decider makes a repeat a
// no-op, so a stale read model or two workers never record one crossing twice.

/** A budget to watch: its terms, its organization's time zone, and what it already alerted. */
export type WatchedBudget = {
  budget_id: string
  organization_id: string
  /** The key the budget is on, or null for the organization's. */
  api_key_id: string | null
  period: BudgetPeriod
  limit_micros: number
  alert_thresholds: number[]
  timezone: string
  crossed_period: string | null
  crossed_thresholds: number[]
}

export interface ThresholdWatchDeps {
  commands: CommandDeps
  /** The budgets with at least one alert threshold (projections/budgets/queries.ts). */
  watched: () => Promise<WatchedBudget[]>
  /** The settled spend on the budget's counter of the period `now` falls in (the spend ledger's). */
  spentNanos: (budget: WatchedBudget, now: Date) => Promise<number>
  onError: (error: unknown, budget_id: string) => void
}

export const THRESHOLD_WATCH_INTERVAL_MS = 5_000

function context(deps: ThresholdWatchDeps): CommandContext {
  const id = deps.commands.newId()
  return { actor: 'threshold-watch', correlation_id: id, causation_id: null, source: 'threshold-watch' }
}

async function checkBudget(deps: ThresholdWatchDeps, budget: WatchedBudget): Promise<number> {
  const now = deps.commands.now()
  const period = periodOf(budget.period, budget.timezone, now)
  const spent_micros = Math.floor((await deps.spentNanos(budget, now)) / 1_000)
  const alerted = budget.crossed_period === period.start ? budget.crossed_thresholds : []
  const due = budget.alert_thresholds.filter(
    (threshold) =>
      !alerted.includes(threshold) && thresholdReached(threshold, budget.limit_micros, spent_micros),
  )
  let recorded = 0
  for (const threshold of due) {
    const crossing = { ...budget, threshold, period_start: period.start, spent_micros }
    const written = await recordThresholdCrossed(deps.commands, crossing, context(deps))
    if (written.position !== null) recorded++
  }
  return recorded
}

/** One pass over every watched budget; answers how many crossings it recorded. */
export async function checkThresholds(deps: ThresholdWatchDeps): Promise<number> {
  let recorded = 0
  for (const budget of await deps.watched()) {
    try {
      recorded += await checkBudget(deps, budget)
    } catch (error) {
      // One budget (deleted meanwhile, ledger down) does not stop the others; the next pass retries.
      deps.onError(error, budget.budget_id)
    }
  }
  return recorded
}

/** Runs a pass every `intervalMs` until closed; a pass never overlaps the previous one. */
export function startThresholdWatch(deps: ThresholdWatchDeps, intervalMs = THRESHOLD_WATCH_INTERVAL_MS) {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()
  let closed = false
  const schedule = () => {
    if (closed) return
    timer = setTimeout(() => {
      running = checkThresholds(deps)
        .catch((error: unknown) => deps.onError(error, '*'))
        .finally(schedule)
    }, intervalMs)
  }
  schedule()
  return {
    async close() {
      closed = true
      clearTimeout(timer)
      await running
    },
  }
}
