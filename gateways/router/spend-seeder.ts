import { periodStart } from '../../domain/budgets/period.ts'
import { AppError } from '../../domain/errors.ts'
import type { RecordedSpend } from '../../infra/ports/recorded-spend.ts'
import type { CounterRef, SpendLedger } from '../../infra/ports/spend-ledger.ts'

// Sets spend counters from the recorded usage (docs/routing.md, "Seeding and reconciliation"): a
// counter the ledger does not know to be whole (new period on a fresh ledger, Redis restarted
// empty) is raised to what PostgreSQL recorded since its period started, so a hard budget never
// admits past spend the ledger lost. Concurrent requests needing the same counter share one read.

export interface SpendSeeder {
  seed(organization_id: string, timezone: string, counters: readonly CounterRef[]): Promise<void>
}

export interface SpendSeederDeps {
  ledger: SpendLedger
  recorded: RecordedSpend
  now: () => Date
}

export function createSpendSeeder(deps: SpendSeederDeps): SpendSeeder {
  const inFlight = new Map<string, Promise<void>>()

  const seedOne = async (organization_id: string, timezone: string, counter: CounterRef): Promise<void> => {
    const from = periodStart(counter.period, timezone, deps.now())
    let recorded: number
    try {
      recorded = await deps.recorded.spentNanos(organization_id, counter.api_key_id, from)
    } catch (error) {
      throw new AppError('BUDGET_SEED_UNAVAILABLE', 'the recorded usage cannot be read to seed a budget', {
        cause: error instanceof Error ? error.message : String(error),
      })
    }
    await deps.ledger.seed(organization_id, counter, recorded)
  }

  const shared = (organization_id: string, timezone: string, counter: CounterRef): Promise<void> => {
    const key = `${organization_id}\u0000${counter.api_key_id ?? ''}\u0000${counter.period}\u0000${counter.label}`
    const running = inFlight.get(key)
    if (running) return running
    const started = seedOne(organization_id, timezone, counter).finally(() => inFlight.delete(key))
    inFlight.set(key, started)
    return started
  }

  return {
    async seed(organization_id, timezone, counters) {
      await Promise.all(counters.map((counter) => shared(organization_id, timezone, counter)))
    },
  }
}
