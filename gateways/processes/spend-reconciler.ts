import type { FastifyInstance } from 'fastify'
import {
  type ReconcileDeps,
  type ReconciledBudget,
  startReconciliation,
} from '../../commands/budgets/reconcile.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { RecordedSpend } from '../../infra/ports/recorded-spend.ts'
import type { SpendLedger } from '../../infra/ports/spend-ledger.ts'
import { reconciledBudgets } from '../../projections/budgets/queries.ts'
import { createSqlRecordedSpend } from '../../projections/usage/recorded-spend.ts'
import { openAdapter } from './adapter.ts'
import type { Runtime } from './runtime.ts'

/**
 * Reconciliation's dependencies in a process: the drift of each budget on the gauge
 * `aiaas_budget_ledger_drift_usd{budget_id}`, a deleted budget's series removed on the next pass
 * (so a dashboard does not show a budget that no longer exists), failures logged.
 */
export function reconcilerDeps(
  rt: Runtime,
  adapters: {
    budgets: () => Promise<readonly ReconciledBudget[]>
    ledger: SpendLedger
    recorded: RecordedSpend
  },
): ReconcileDeps {
  const gauge = rt.metrics.budgetLedgerDrift
  let shown = new Set<string>()
  return {
    budgets: async () => {
      const budgets = await adapters.budgets()
      const current = new Set(budgets.map((budget) => budget.budget_id))
      for (const budget_id of shown) if (!current.has(budget_id)) gauge.remove({ budget_id })
      shown = current
      return budgets
    },
    ledger: adapters.ledger,
    recorded: adapters.recorded,
    now: rt.now,
    onDrift: (budget, usd) => gauge.set({ budget_id: budget.budget_id }, usd),
    onError: (budget, error) =>
      rt.log.warn(
        { err: error, budget_id: budget.budget_id },
        'budget reconciliation failed; retrying on the next pass',
      ),
    onPassError: (error) => rt.log.warn({ err: error }, 'budget reconciliation pass failed; retrying'),
  }
}

/** Reconciliation (commands/budgets/reconcile.ts) as adapter `reconciler`: projector process and embedded. */
export function openReconciler(
  app: Pick<FastifyInstance, 'register'>,
  rt: Runtime,
  adapters: { db: Sql; ledger: SpendLedger },
  intervalMs?: number,
) {
  const deps = reconcilerDeps(rt, {
    budgets: () => reconciledBudgets(adapters.db),
    ledger: adapters.ledger,
    recorded: createSqlRecordedSpend(adapters.db),
  })
  return openAdapter(app, 'reconciler', () => startReconciliation(deps, intervalMs))
}
