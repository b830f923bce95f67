import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import { admission, newOrg, seeded, spendLedgerContract } from '../contracts/spend-ledger.contract.ts'
import { runModel, steps } from '../contracts/spend-ledger.model.ts'

spendLedgerContract('memory', () => createMemorySpendLedger(), false)

describe('memory spend ledger leases', () => {
  it('stops counting a lapsed hold, counts a late settle once, and a renewal revives a lapsed hold', async () => {
    let clock = 1_000_000
    const ledger = createMemorySpendLedger({ now: () => clock })
    const org = newOrg()
    await seeded(ledger, org)
    const a = admission(org, { limit: 1000, amount_nanos: 700, lease_ms: 1_000 })
    const b = admission(org, { limit: 1000, amount_nanos: 700, lease_ms: 1_000 })
    await ledger.admit(a)
    clock += 1_000
    // a's lease lapsed: b's admission reaps it and fits.
    expect((await ledger.admit(b)).kind).toBe('admitted')
    expect(await ledger.renew(org.id, a.hold_id, 1_000)).toBe(true)
    expect(await ledger.counters(org.id, [org.orgTotal])).toEqual([
      { spent_nanos: 0, reserved_nanos: 1400, seeded: true },
    ])
    clock += 5_000
    await ledger.admit(admission(org))
    expect(
      await ledger.settle({ organization_id: org.id, hold_id: a.hold_id, cost_nanos: 300, tokens: 0 }),
    ).toEqual({
      kind: 'settled',
      held_nanos: 700,
    })
    expect(
      await ledger.settle({ organization_id: org.id, hold_id: a.hold_id, cost_nanos: 300, tokens: 0 }),
    ).toEqual({
      kind: 'unknown',
    })
    expect(await ledger.counters(org.id, [org.orgTotal])).toEqual([
      { spent_nanos: 300, reserved_nanos: 0, seeded: true },
    ])
  })
})

describe('memory spend ledger model', () => {
  it('keeps spent == settled costs and within the hard limit over any interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (script) => {
        let clock = 1_000_000
        const ledger = createMemorySpendLedger({ now: () => clock })
        const harness = {
          open: () => ledger,
          lapse: async () => {
            clock += 2_000
          },
          lease_ms: 1_000,
          restartable: false,
        }
        await runModel(harness, script)
      }),
      { numRuns: 100 },
    )
  })
})
