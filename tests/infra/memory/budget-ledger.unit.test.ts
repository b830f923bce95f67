import { describe, expect, it } from 'vitest'
import { createMemoryBudgetLedger } from '../../../infra/memory/budget-ledger.ts'
import { budgetLedgerContract } from '../contracts/budget-ledger.contract.ts'

budgetLedgerContract('memory', () => createMemoryBudgetLedger())

describe('memory budget ledger clock', () => {
  it('holds until exactly holdMs and forgets the budget keyTtlMs after its last write', async () => {
    let clock = 1_000
    const ledger = createMemoryBudgetLedger({ now: () => clock })
    await ledger.reserve('k', 'a', 10, 10, { holdMs: 100, keyTtlMs: 1_000 })
    await ledger.settle('k', 'a', 4)
    clock += 99
    expect(await ledger.reserve('k', 'b', 6, 10, { holdMs: 100, keyTtlMs: 1_000 })).toMatchObject({
      ok: true,
    })
    clock += 99
    expect(await ledger.usage('k')).toEqual({ spent_nanos: 4, reserved_nanos: 6 })
    clock += 1
    expect(await ledger.usage('k')).toEqual({ spent_nanos: 4, reserved_nanos: 0 })
    clock += 1_000
    expect(await ledger.usage('k')).toEqual({ spent_nanos: 0, reserved_nanos: 0 })
    // The period is over and its keys are gone: a very late settle has nothing to count against.
    await ledger.settle('k', 'b', 6)
    expect(await ledger.usage('k')).toEqual({ spent_nanos: 0, reserved_nanos: 0 })
  })
})
