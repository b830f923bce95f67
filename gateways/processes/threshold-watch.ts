import type { FastifyInstance } from 'fastify'
import { startThresholdWatch } from '../../commands/budgets/threshold-watch.ts'
import type { BudgetPeriod } from '../../domain/budgets/period.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { EventStore } from '../../infra/ports/event-store.ts'
import type { SpendLedger } from '../../infra/ports/spend-ledger.ts'
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
  adapters: { db: Sql; store: EventStore; ledger: SpendLedger },
  intervalMs?: number,
) {
  const deps = {
    commands: { store: adapters.store, now: rt.now, newId: rt.newId },
    watched: () => watchedBudgets(adapters.db),
    spentNanos: ledgerSpend(adapters.db, adapters.ledger),
    onError: (error: unknown, budget_id: string) =>
      rt.log.warn({ err: error, budget_id }, 'budget threshold check failed; retrying on the next pass'),
  }
  return openAdapter(app, 'thresholdWatch', () => startThresholdWatch(deps, intervalMs))
}

/**
 * A budget counter's settled spend on the spend ledger. The watch names a counter as
 * `budget:<budget_id>:<label>` (domain/budgets/period.ts counterKey); the ledger counts by
 * organization, key, period and label, read here from the budgets read model.
 */
export function ledgerSpend(db: Sql, ledger: SpendLedger) {
  return async (counterKey: string): Promise<number> => {
    const [, budget_id, label] = /^budget:([^:]+):(.+)$/.exec(counterKey) ?? []
    if (budget_id === undefined || label === undefined) throw new Error(`not a budget counter: ${counterKey}`)
    const { rows } = await db.query<{
      organization_id: string
      api_key_id: string | null
      period: BudgetPeriod
    }>('SELECT organization_id, api_key_id, period FROM rm_budgets WHERE budget_id = $1', [budget_id])
    const budget = rows[0]
    if (!budget) throw new Error(`budget ${budget_id} is not in the read model`)
    // A read: the ttl is not used, only checked.
    const counter = { api_key_id: budget.api_key_id, period: budget.period, label, ttl_ms: 1 }
    const [state] = await ledger.counters(budget.organization_id, [counter])
    return state?.spent_nanos ?? 0
  }
}
