import type { FastifyInstance } from 'fastify'
import { startThresholdWatch } from '../../commands/budgets/threshold-watch.ts'
import type { BudgetLedger } from '../../infra/ports/budget-ledger.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { EventStore } from '../../infra/ports/event-store.ts'
import { watchedBudgets } from '../../projections/budgets/queries.ts'
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
  adapters: { db: Sql; store: EventStore; budgets: BudgetLedger },
  intervalMs?: number,
) {
  const deps = {
    commands: { store: adapters.store, now: rt.now, newId: rt.newId },
    watched: () => watchedBudgets(adapters.db),
    spentNanos: async (key: string) => (await adapters.budgets.usage(key)).spent_nanos,
    onError: (error: unknown, budget_id: string) =>
      rt.log.warn({ err: error, budget_id }, 'budget threshold check failed; retrying on the next pass'),
  }
  return openAdapter(app, 'thresholdWatch', () => startThresholdWatch(deps, intervalMs))
}
