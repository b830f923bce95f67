import type { BudgetPeriod } from '../../domain/budgets/period.ts'
import { periodStart } from '../../domain/budgets/period.ts'
import type { RecordedSpend } from '../../infra/ports/recorded-spend.ts'
import { type CounterRef, counterRef, type SpendLedger } from '../../infra/ports/spend-ledger.ts'

// Reconciliation (docs/routing.md, "Seeding and reconciliation"): a periodic pass that compares
// every budget's current counter in the spend ledger with the spend recorded in PostgreSQL and
// raises the ledger when it fell behind (a lost settle, a Redis failover that dropped writes). The
// ledger may run ahead of the record for a while (usage events still in flight): that is reported
// as drift, never lowered — lowering would admit past the budget.

const NANOS_PER_USD = 1_000_000_000
export const RECONCILE_INTERVAL_MS = 60_000

export interface ReconciledBudget {
  budget_id: string
  organization_id: string
  api_key_id: string | null
  period: BudgetPeriod
  timezone: string
}

export interface ReconcileDeps {
  budgets: () => Promise<readonly ReconciledBudget[]>
  ledger: SpendLedger
  recorded: RecordedSpend
  now: () => Date
  /** The ledger's spend minus the recorded spend, in USD, after the pass (the drift gauge). */
  onDrift: (budget: ReconciledBudget, driftUsd: number) => void
  onError: (budget: ReconciledBudget, error: unknown) => void
  /** A pass that could not start (the budgets unreadable); the next one retries. */
  onPassError: (error: unknown) => void
}

/** The ledger counter a budget spends on in the period `now` falls in. */
export function budgetCounterRef(budget: ReconciledBudget, now: Date): CounterRef {
  return counterRef(budget.api_key_id, budget.period, budget.timezone, now)
}

async function reconcileOne(deps: ReconcileDeps, budget: ReconciledBudget, now: Date): Promise<boolean> {
  const counter = budgetCounterRef(budget, now)
  const from = periodStart(budget.period, budget.timezone, now)
  const recorded = await deps.recorded.spentNanos(budget.organization_id, budget.api_key_id, from)
  const [state] = await deps.ledger.counters(budget.organization_id, [counter])
  let ledger = state?.spent_nanos ?? 0
  const raise = recorded > ledger
  if (raise) ledger = (await deps.ledger.seed(budget.organization_id, counter, recorded)).after_nanos
  deps.onDrift(budget, (ledger - recorded) / NANOS_PER_USD)
  return raise
}

/** One pass over every budget; answers how many counters it raised. A failing budget is reported, not fatal. */
export async function reconcileBudgets(deps: ReconcileDeps): Promise<number> {
  const now = deps.now()
  let raised = 0
  for (const budget of await deps.budgets()) {
    try {
      if (await reconcileOne(deps, budget, now)) raised += 1
    } catch (error) {
      deps.onError(budget, error)
    }
  }
  return raised
}

/**
 * Runs a pass at once (a process starting after Redis lost spend catches up without waiting),
 * then every `intervalMs` until closed; a pass never overlaps the previous one.
 */
export function startReconciliation(deps: ReconcileDeps, intervalMs = RECONCILE_INTERVAL_MS) {
  let timer: NodeJS.Timeout | undefined
  let closed = false
  const pass = (): Promise<void> =>
    reconcileBudgets(deps)
      .then(
        () => {},
        (error: unknown) => deps.onPassError(error),
      )
      .finally(() => {
        if (!closed) timer = setTimeout(() => (running = pass()), intervalMs)
      })
  let running = pass()
  return {
    async close() {
      closed = true
      clearTimeout(timer)
      await running
    },
  }
}
