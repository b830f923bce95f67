import { describe, expect, it } from 'vitest'
import { type ReconciledBudget, reconcileBudgets } from '../../../commands/budgets/reconcile.ts'
import type { RecordedSpend } from '../../../infra/ports/recorded-spend.ts'
import type { CounterRef, CounterState, SpendLedger } from '../../../infra/ports/spend-ledger.ts'

const NOW = new Date('2026-11-26T18:00:00Z')

/** The ledger's counters as a map; seed raises, never lowers (the port's contract). */
function fakeLedger(spent: Record<string, number>) {
  const key = (org: string, counter: CounterRef) => `${org}/${counter.api_key_id ?? 'org'}/${counter.label}`
  const ledger = {
    async counters(org: string, counters: readonly CounterRef[]): Promise<CounterState[]> {
      return counters.map((c) => ({ spent_nanos: spent[key(org, c)] ?? 0, reserved_nanos: 0, seeded: true }))
    },
    async seed(org: string, counter: CounterRef, recorded: number) {
      const before = spent[key(org, counter)] ?? 0
      spent[key(org, counter)] = Math.max(before, recorded)
      return { before_nanos: before, after_nanos: spent[key(org, counter)] ?? 0 }
    },
  } as unknown as SpendLedger
  return { ledger, spent }
}

const budgets: ReconciledBudget[] = [
  { budget_id: 'b-org', organization_id: 'org-1', api_key_id: null, period: 'monthly', timezone: 'UTC' },
  { budget_id: 'b-key', organization_id: 'org-1', api_key_id: 'key-1', period: 'daily', timezone: 'UTC' },
  { budget_id: 'b-broken', organization_id: 'org-2', api_key_id: null, period: 'total', timezone: 'UTC' },
]

describe('reconciling the spend ledger with the recorded usage', () => {
  it('raises a counter that fell behind the record, reports a ledger ahead as drift, and carries on past a failure', async () => {
    const { ledger, spent } = fakeLedger({
      'org-1/org/2026-11': 1_000_000_000,
      'org-1/key-1/2026-11-26': 5_000_000_000,
    })
    const recorded: RecordedSpend = {
      async spentNanos(org, key) {
        if (org === 'org-2') throw new Error('connection refused')
        return key === null ? 3_000_000_000 : 4_500_000_000
      },
    }
    const drift = new Map<string, number>()
    const errors: string[] = []
    const raised = await reconcileBudgets({
      budgets: async () => budgets,
      ledger,
      recorded,
      now: () => NOW,
      onDrift: (budget, usd) => drift.set(budget.budget_id, usd),
      onError: (budget) => errors.push(budget.budget_id),
      onPassError: (error) => errors.push(String(error)),
    })
    expect(raised).toBe(1)
    // The organization's month fell behind: raised to the record, no drift left.
    expect(spent['org-1/org/2026-11']).toBe(3_000_000_000)
    expect(drift.get('b-org')).toBe(0)
    // The key's day is ahead of the record (events in flight): kept, shown as drift.
    expect(spent['org-1/key-1/2026-11-26']).toBe(5_000_000_000)
    expect(drift.get('b-key')).toBe(0.5)
    expect(errors).toEqual(['b-broken'])
  })
})
