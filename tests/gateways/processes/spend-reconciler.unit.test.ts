import { describe, expect, it, vi } from 'vitest'
import { type ReconciledBudget, startReconciliation } from '../../../commands/budgets/reconcile.ts'
import { periodOf } from '../../../domain/budgets/period.ts'
import { createRuntime } from '../../../gateways/processes/runtime.ts'
import { reconcilerDeps } from '../../../gateways/processes/spend-reconciler.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import type { RecordedSpend } from '../../../infra/ports/recorded-spend.ts'

// Reconciliation as the processes schedule it, on the in-memory spend ledger: a counter that
// lost spend is raised to the record on the next pass, and the drift gauge follows the budgets.

const NOW = new Date('2026-11-26T18:00:00Z')
const ORG = 'org-1'
const month = periodOf('monthly', 'UTC', NOW)
const orgMonth = { api_key_id: null, period: 'monthly' as const, label: month.label, ttl_ms: month.ttlMs }

const budget = (budget_id: string, api_key_id: string | null): ReconciledBudget => ({
  budget_id,
  organization_id: ORG,
  api_key_id,
  period: 'monthly',
  timezone: 'UTC',
})

async function driftOf(registry: { getSingleMetric(name: string): unknown }) {
  const gauge = registry.getSingleMetric('aiaas_budget_ledger_drift_usd') as {
    get(): Promise<{ values: { labels: { budget_id?: string }; value: number }[] }>
  }
  const { values } = await gauge.get()
  return Object.fromEntries(values.map((v) => [v.labels.budget_id, v.value]))
}

describe('scheduled reconciliation', () => {
  it('raises a counter that fell behind on the next pass and keeps the drift gauge to the budgets that exist', async () => {
    const rt = { ...createRuntime(loadConfig({ AIAAS_LOG_LEVEL: 'silent' }), 'projector'), now: () => NOW }
    const ledger = createMemorySpendLedger({ now: () => NOW.getTime() })
    // The organization's month recorded 2.5 USD, the key's 0.75 USD; the ledger knows none of it.
    const recorded: RecordedSpend = {
      spentNanos: async (_org, key) => (key === null ? 2_500_000_000 : 750_000_000),
    }
    let budgets = [budget('b-org', null), budget('b-key', 'key-1')]
    const deps = reconcilerDeps(rt, { budgets: async () => budgets, ledger, recorded })
    const running = startReconciliation(deps, 10)
    try {
      await vi.waitFor(async () => {
        expect(await ledger.counters(ORG, [orgMonth])).toEqual([
          { spent_nanos: 2_500_000_000, reserved_nanos: 0, seeded: true },
        ])
        expect(await driftOf(rt.metrics.registry)).toEqual({ 'b-org': 0, 'b-key': 0 })
      })
      // The key's budget is deleted: its series leaves /metrics on a later pass.
      budgets = [budget('b-org', null)]
      await vi.waitFor(async () => expect(await driftOf(rt.metrics.registry)).toEqual({ 'b-org': 0 }))
    } finally {
      await running.close()
    }
  })

  it('reports a pass that cannot read the budgets and tries again', async () => {
    const errors: unknown[] = []
    let calls = 0
    const running = startReconciliation(
      {
        budgets: async () => {
          calls += 1
          throw new Error('database down')
        },
        ledger: createMemorySpendLedger(),
        recorded: { spentNanos: async () => 0 },
        now: () => NOW,
        onDrift: () => {},
        onError: () => {},
        onPassError: (error) => errors.push(error),
      },
      10,
    )
    try {
      await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(2))
      expect(errors[0]).toEqual(new Error('database down'))
    } finally {
      await running.close()
    }
  })
})
