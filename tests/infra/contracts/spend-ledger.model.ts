import fc from 'fast-check'
import { expect } from 'vitest'
import type { SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import { admission, newOrg, type Org, seeded } from './spend-ledger.contract.ts'

// The model property: any interleaving of admissions (under a limit that may change between
// them), settles of at most the held amount, releases, lease lapses and restarts keeps
// spent == Σ settled costs, and spent <= the highest limit an admission was checked against.
export type Step =
  | { op: 'admit'; amount: number; limit: number }
  | { op: 'settle'; pick: number; fraction: number }
  | { op: 'release'; pick: number }
  | { op: 'lapse' }
  | { op: 'restart' }

export const steps = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant('admit' as const),
      amount: fc.integer({ min: 0, max: 400 }),
      limit: fc.integer({ min: 500, max: 1500 }),
    }),
    fc.record({
      op: fc.constant('settle' as const),
      pick: fc.nat(),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    fc.record({ op: fc.constant('release' as const), pick: fc.nat() }),
    fc.constant({ op: 'lapse' as const }),
    fc.constant({ op: 'restart' as const }),
  ),
  { maxLength: 25 },
)

export interface ModelHarness {
  open(): SpendLedger
  /** Makes every live lease lapse (and be reaped by the next admission); holds are admitted with `lease_ms`. */
  lapse(ledger: SpendLedger, org: Org): Promise<void>
  lease_ms: number
  /** False when a new ledger does not see the old one's store (in-memory): restart is skipped. */
  restartable: boolean
}

export async function runModel(harness: ModelHarness, script: Step[]): Promise<void> {
  let ledger = harness.open()
  const org = newOrg()
  await seeded(ledger, org)
  const live: Array<{ hold_id: string; amount: number }> = []
  let settledSum = 0
  let highest = 0
  for (const step of script) {
    if (step.op === 'admit') {
      highest = Math.max(highest, step.limit)
      const request = admission(org, {
        limit: step.limit,
        amount_nanos: step.amount,
        lease_ms: harness.lease_ms,
      })
      if ((await ledger.admit(request)).kind === 'admitted')
        live.push({ hold_id: request.hold_id, amount: step.amount })
    } else if ((step.op === 'settle' || step.op === 'release') && live.length > 0) {
      const [hold] = live.splice(step.pick % live.length, 1)
      if (!hold) continue
      if (step.op === 'release') await ledger.release(org.id, hold.hold_id)
      else {
        const cost = Math.floor(hold.amount * step.fraction)
        await ledger.settle({ organization_id: org.id, hold_id: hold.hold_id, cost_nanos: cost, tokens: 0 })
        settledSum += cost
      }
    } else if (step.op === 'lapse') await harness.lapse(ledger, org)
    else if (step.op === 'restart' && harness.restartable) {
      await ledger.close()
      ledger = harness.open()
    }
    const [counter] = await ledger.counters(org.id, [org.orgTotal])
    expect(counter?.spent_nanos).toBe(settledSum)
    expect(counter?.spent_nanos ?? 0).toBeLessThanOrEqual(highest)
  }
  await ledger.close()
}
