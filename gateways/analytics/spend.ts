import { z } from 'zod'
import { budgetCounterRef } from '../../commands/budgets/reconcile.ts'
import { usdOf } from '../../domain/budgets/amounts.ts'
import { BUDGET_PERIODS, periodBounds } from '../../domain/budgets/period.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { RecordedSpend } from '../../infra/ports/recorded-spend.ts'
import type { SpendLedger } from '../../infra/ports/spend-ledger.ts'
import { organizationBudgets, type SpendBudget } from '../../projections/budgets/queries.ts'

// GET /analytics/v1/spend: each budget of an organization in its current period, with the spend
// two ways — recorded (the usage rollups, what the bill is made of) and the router's view (the spend
// ledger's counter: settled, held by requests in flight, and whether it was seeded). The two
// differ while usage events are in flight or after the ledger lost spend (docs/routing.md,
// "Seeding and reconciliation"). Amounts are exact decimal strings, never floats.

export const spendQuery = z
  .object({
    organization_id: z.uuid(),
    /** Only the current period for now; the parameter keeps the URL stable for past periods. */
    period: z.enum(['current']).default('current'),
  })
  .strict()

const usd = z.string().regex(/^\d+\.\d{2,9}$/)

export const spendResponse = z.object({
  object: z.literal('spend'),
  organization_id: z.uuid(),
  period: z.literal('current'),
  data: z.array(
    z.object({
      budget_id: z.uuid(),
      api_key_id: z.uuid().nullable(),
      period: z.enum(BUDGET_PERIODS),
      enforcement: z.enum(['hard', 'soft']),
      /** RFC 3339; null for `total`. */
      period_start: z.string().nullable(),
      /** When the next period starts (RFC 3339); null for `total`. */
      resets_at: z.string().nullable(),
      limit_usd: usd,
      recorded_spend_usd: usd,
      ledger: z.object({ spent_usd: usd, reserved_usd: usd, seeded: z.boolean() }),
    }),
  ),
})

export type SpendReport = z.infer<typeof spendResponse>

const NANOS_PER_USD = 1_000_000_000n

/** 1_500_000_000 → "1.50", 1 → "0.000000001": exact, cents at least. */
export function usdOfNanos(nanos: number): string {
  const n = BigInt(nanos)
  const fraction = (n % NANOS_PER_USD)
    .toString()
    .padStart(9, '0')
    .replace(/0{1,7}$/, '')
  return `${n / NANOS_PER_USD}.${fraction}`
}

export interface SpendDeps {
  db: Sql
  ledger: SpendLedger
  recorded: RecordedSpend
}

async function budgetSpend(deps: SpendDeps, budget: SpendBudget, now: Date) {
  const { start, end } = periodBounds(budget.period, budget.timezone, now)
  const recorded = await deps.recorded.spentNanos(budget.organization_id, budget.api_key_id, start)
  return {
    budget_id: budget.budget_id,
    api_key_id: budget.api_key_id,
    period: budget.period,
    enforcement: budget.enforcement,
    period_start: start?.toISOString() ?? null,
    resets_at: end?.toISOString() ?? null,
    limit_usd: usdOf(budget.limit_micros),
    recorded_spend_usd: usdOfNanos(recorded),
  }
}

/** The spend report of one organization at `now` (one ledger read for all its budgets). */
export async function spendReport(deps: SpendDeps, organization_id: string, now: Date): Promise<SpendReport> {
  const budgets = await organizationBudgets(deps.db, organization_id)
  const counters = budgets.map((budget) => budgetCounterRef(budget, now))
  const [states, rows] = await Promise.all([
    counters.length > 0 ? deps.ledger.counters(organization_id, counters) : Promise.resolve([]),
    Promise.all(budgets.map((budget) => budgetSpend(deps, budget, now))),
  ])
  const data = rows.map((row, i) => {
    const state = states[i] ?? { spent_nanos: 0, reserved_nanos: 0, seeded: false }
    const ledger = {
      spent_usd: usdOfNanos(state.spent_nanos),
      reserved_usd: usdOfNanos(state.reserved_nanos),
      seeded: state.seeded,
    }
    return { ...row, ledger }
  })
  return { object: 'spend', organization_id, period: 'current', data }
}
