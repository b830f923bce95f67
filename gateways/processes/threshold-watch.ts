import type { FastifyInstance } from 'fastify'
import { budgetCounterRef } from '../../commands/budgets/reconcile.ts'
import { startThresholdWatch, type WatchedBudget } from '../../commands/budgets/threshold-watch.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { EventStore } from '../../infra/ports/event-store.ts'
import type { SpendLedger } from '../../infra/ports/spend-ledger.ts'
import { watchedBudgets } from '../../projections/budgets/queries.ts'
import { createSqlRecordedSpend } from '../../projections/usage/recorded-spend.ts'
import { createSpendSeeder, type SpendSeeder } from '../router/spend-seeder.ts'
import { openAdapter } from './adapter.ts'
import type { Runtime } from './runtime.ts'

/**
 * The budget alert worker (commands/budgets/threshold-watch.ts) as adapter `thresholdWatch`:
 * in the projector process (on the Redis ledger) and in embedded mode (on the in-process one
 * the router uses). It reads the budgets read model and records crossings as commands.
 */
export function openThresholdWatch(
  app: Pick<FastifyInstance, 'register'>,
  rt: Runtime,
  adapters: { db: Sql; store: EventStore; ledger: SpendLedger },
  intervalMs?: number,
) {
  const seeder = createSpendSeeder({
    ledger: adapters.ledger,
    recorded: createSqlRecordedSpend(adapters.db),
    now: rt.now,
  })
  const deps = {
    commands: { store: adapters.store, now: rt.now, newId: rt.newId },
    watched: () => watchedBudgets(adapters.db),
    spentNanos: ledgerSpend(adapters.ledger, seeder),
    onError: (error: unknown, budget_id: string) =>
      rt.log.warn({ err: error, budget_id }, 'budget threshold check failed; retrying on the next pass'),
  }
  return openAdapter(app, 'thresholdWatch', () => startThresholdWatch(deps, intervalMs))
}

/**
 * A budget's settled spend in the period `now` falls in: its counter on the spend ledger (the
 * organization's or its key's). A counter the ledger does not know to be whole (a new period no
 * request has touched yet, Redis restarted empty) is seeded from the recorded usage first, so the
 * watch alerts on the truth, not on a counter that lost spend.
 */
export function ledgerSpend(ledger: SpendLedger, seeder: SpendSeeder) {
  return async (budget: WatchedBudget, now: Date): Promise<number> => {
    const counter = budgetCounterRef(budget, now)
    const [state] = await ledger.counters(budget.organization_id, [counter])
    if (state?.seeded) return state.spent_nanos
    await seeder.seed(budget.organization_id, budget.timezone, [counter])
    const [seeded] = await ledger.counters(budget.organization_id, [counter])
    return seeded?.spent_nanos ?? 0
  }
}
