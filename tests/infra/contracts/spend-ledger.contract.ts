import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { AdmitRequest, CounterRef, LimitCheck, SpendLedger } from '../../../infra/ports/spend-ledger.ts'

// One suite, run against every SpendLedger adapter (STYLE.md §9): what the router relies on.
// `create` opens a ledger; two opened on the same store act as two router replicas.
const DAY = 86_400_000
export const ref = (api_key_id: string | null, period: CounterRef['period'] = 'total'): CounterRef => ({
  api_key_id,
  period,
  label: period === 'total' ? 'total' : period === 'daily' ? '2026-11-26' : '2026-11',
  ttl_ms: 40 * DAY,
})

export interface Org {
  id: string
  key: string
  orgTotal: CounterRef
  keyTotal: CounterRef
}
export const newOrg = (): Org => {
  const key = `k-${randomUUID()}`
  return { id: `o-${randomUUID()}`, key, orgTotal: ref(null), keyTotal: ref(key) }
}

export function admission(
  org: Org,
  overrides: Partial<AdmitRequest> & { limit?: number; hard?: boolean } = {},
): AdmitRequest {
  const { limit, hard = true, ...rest } = overrides
  return {
    organization_id: org.id,
    api_key_id: org.key,
    hold_id: randomUUID(),
    amount_nanos: 100,
    tokens: 10,
    spend: [
      org.orgTotal,
      org.keyTotal,
      ref(null, 'daily'),
      ref(org.key, 'daily'),
      ref(null, 'monthly'),
      ref(org.key, 'monthly'),
    ],
    budgets:
      limit === undefined ? [] : [{ budget_id: 'b1', counter: org.orgTotal, limit_nanos: limit, hard }],
    limits: [],
    lease_ms: 60_000,
    known_position: null,
    ...rest,
  }
}

export async function seeded(ledger: SpendLedger, org: Org, recorded = 0): Promise<void> {
  await ledger.seed(org.id, org.orgTotal, recorded)
}

const spentOf = async (ledger: SpendLedger, org: Org) => (await ledger.counters(org.id, [org.orgTotal]))[0]

/** `shared`: whether two ledgers opened by `create` share one store (two replicas). */
export function spendLedgerContract(name: string, create: () => SpendLedger, shared = true): void {
  describe(`SpendLedger contract: ${name}`, () => {
    const opened: SpendLedger[] = []
    const open = () => {
      const ledger = create()
      opened.push(ledger)
      return ledger
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((ledger) => ledger.close()))
    })

    it('holds what fits a hard budget, refuses what does not with the figures, and settles the actual cost', async () => {
      const ledger = open()
      const org = newOrg()
      await seeded(ledger, org, 300)
      const a = admission(org, { limit: 1000, amount_nanos: 600 })
      expect(await ledger.admit(a)).toEqual({ kind: 'admitted', limits: [] })
      expect(await ledger.admit(admission(org, { limit: 1000, amount_nanos: 101 }))).toEqual({
        kind: 'budget_exceeded',
        budget_id: 'b1',
        spent_nanos: 300,
        reserved_nanos: 600,
        limit_nanos: 1000,
        limits: [],
      })
      expect(
        await ledger.settle({ organization_id: org.id, hold_id: a.hold_id, cost_nanos: 250, tokens: 5 }),
      ).toEqual({
        kind: 'settled',
        held_nanos: 600,
      })
      expect(await spentOf(ledger, org)).toEqual({ spent_nanos: 550, reserved_nanos: 0, seeded: true })
      // Every one of the six counters got the cost, budget or not.
      const six = await ledger.counters(org.id, a.spend)
      expect(six.map((c) => c.spent_nanos)).toEqual([550, 250, 250, 250, 250, 250])
    })

    it('settles and releases once: a second settle or release is unknown and changes nothing', async () => {
      const ledger = open()
      const org = newOrg()
      await seeded(ledger, org)
      const a = admission(org, { limit: 1000 })
      const b = admission(org, { limit: 1000 })
      await ledger.admit(a)
      await ledger.admit(b)
      const settle = { organization_id: org.id, hold_id: a.hold_id, cost_nanos: 70, tokens: 1 }
      expect((await ledger.settle(settle)).kind).toBe('settled')
      expect(await ledger.settle(settle)).toEqual({ kind: 'unknown' })
      await ledger.release(org.id, b.hold_id)
      await ledger.release(org.id, b.hold_id)
      expect(await ledger.settle({ ...settle, hold_id: b.hold_id })).toEqual({ kind: 'unknown' })
      expect(await spentOf(ledger, org)).toEqual({ spent_nanos: 70, reserved_nanos: 0, seeded: true })
    })

    it('replaces its own hold when an admission is retried with the same hold id', async () => {
      const ledger = open()
      const org = newOrg()
      await seeded(ledger, org)
      const limits: LimitCheck[] = [{ scope: 'key', id: org.key, unit: 'requests', per_minute: 1 }]
      const a = admission(org, { limit: 1000, amount_nanos: 800, limits })
      expect((await ledger.admit(a)).kind).toBe('admitted')
      expect((await ledger.admit(a)).kind).toBe('admitted')
      expect(await spentOf(ledger, org)).toMatchObject({ reserved_nanos: 800 })
    })

    it('answers unseeded for a hard budget whose counter was never seeded, and admits after seed', async () => {
      const ledger = open()
      const org = newOrg()
      const a = admission(org, { limit: 1000 })
      expect(await ledger.admit(a)).toEqual({ kind: 'unseeded', counters: [org.orgTotal] })
      // A soft budget needs no seeding: it holds and refuses nothing.
      expect((await ledger.admit(admission(org, { limit: 1, hard: false, amount_nanos: 5 }))).kind).toBe(
        'admitted',
      )
      expect(await ledger.seed(org.id, org.orgTotal, 40)).toEqual({ before_nanos: 0, after_nanos: 40 })
      expect((await ledger.admit(a)).kind).toBe('admitted')
    })

    it('seeds as max(spent, recorded): never lowers a counter', async () => {
      const ledger = open()
      const org = newOrg()
      expect(await ledger.seed(org.id, org.orgTotal, 500)).toEqual({ before_nanos: 0, after_nanos: 500 })
      expect(await ledger.seed(org.id, org.orgTotal, 200)).toEqual({ before_nanos: 500, after_nanos: 500 })
      expect(await ledger.seed(org.id, org.orgTotal, 9_007_199_254_740_000)).toEqual({
        before_nanos: 500,
        after_nanos: 9_007_199_254_740_000,
      })
    })

    it('answers stale when identity marked a later change, and keeps the highest position', async () => {
      const ledger = open()
      const org = newOrg()
      await ledger.markChanged('99999999999999999999')
      await ledger.markChanged('100')
      const stale = await ledger.admit(admission(org, { known_position: '99999999999999999998' }))
      expect(stale).toEqual({ kind: 'stale', changed_position: '99999999999999999999' })
      expect((await ledger.admit(admission(org, { known_position: '99999999999999999999' }))).kind).toBe(
        'admitted',
      )
      expect((await ledger.admit(admission(org, { known_position: null }))).kind).toBe('admitted')
    })

    it('lets exactly the RPM through concurrent admissions from two replicas, and none past it', async () => {
      const first = open()
      // An in-process ledger is one replica's: its two "replicas" are the same ledger.
      const replicas = shared ? [first, open()] : [first, first]
      const org = newOrg()
      const limits: LimitCheck[] = [{ scope: 'organization', id: org.id, unit: 'requests', per_minute: 10 }]
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (replicas[i % 2] as SpendLedger).admit(admission(org, { limits })),
        ),
      )
      expect(results.filter((r) => r.kind === 'admitted')).toHaveLength(10)
      const refused = results.find((r) => r.kind === 'rate_limited')
      expect(refused).toMatchObject({ limit: { remaining: 0, per_minute: 10 } })
      if (refused?.kind === 'rate_limited') {
        expect(refused.retry_after_ms).toBeGreaterThan(0)
        expect(refused.retry_after_ms).toBeLessThanOrEqual(6_000)
      }
    })

    it('lets exactly the TPM through concurrent admissions from two replicas, in tokens', async () => {
      const first = open()
      const replicas = shared ? [first, open()] : [first, first]
      const org = newOrg()
      const limits: LimitCheck[] = [
        { scope: 'model', id: `m-${randomUUID()}`, unit: 'tokens', per_minute: 1000 },
      ]
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (replicas[i % 2] as SpendLedger).admit(admission(org, { tokens: 150, limits })),
        ),
      )
      // 6 × 150 = 900 fit in 1000 tokens a minute; a seventh would need 1050.
      expect(results.filter((r) => r.kind === 'admitted')).toHaveLength(6)
    })

    it('weighs tokens against TPM, gives the difference back at settle, and refuses a request larger than the limit', async () => {
      const ledger = open()
      const org = newOrg()
      const limits: LimitCheck[] = [{ scope: 'key', id: org.key, unit: 'tokens', per_minute: 1000 }]
      const a = admission(org, { tokens: 600, limits })
      expect(await ledger.admit(a)).toMatchObject({ kind: 'admitted', limits: [{ remaining: 400 }] })
      expect((await ledger.admit(admission(org, { tokens: 600, limits }))).kind).toBe('rate_limited')
      await ledger.settle({ organization_id: org.id, hold_id: a.hold_id, cost_nanos: 1, tokens: 100 })
      // 500 tokens came back: 900 of the minute are free again (give or take the clock).
      const b = await ledger.admit(admission(org, { tokens: 600, limits }))
      expect(b.kind).toBe('admitted')
      expect(await ledger.admit(admission(org, { tokens: 1001, limits }))).toMatchObject({
        kind: 'rate_limited',
        retry_after_ms: 60_000,
      })
    })

    it('consumes no limit when the admission is refused by a budget or another limit', async () => {
      const ledger = open()
      const org = newOrg()
      await seeded(ledger, org)
      const rpm: LimitCheck = { scope: 'key', id: org.key, unit: 'requests', per_minute: 2 }
      const tight: LimitCheck = { scope: 'model', id: `m-${randomUUID()}`, unit: 'requests', per_minute: 1 }
      expect((await ledger.admit(admission(org, { limits: [rpm], limit: 10, amount_nanos: 11 }))).kind).toBe(
        'budget_exceeded',
      )
      expect((await ledger.admit(admission(org, { limits: [rpm, tight] }))).kind).toBe('admitted')
      expect((await ledger.admit(admission(org, { limits: [rpm, tight] }))).kind).toBe('rate_limited')
      // The refusal by the model limit left the key's second request free.
      expect(await ledger.admit(admission(org, { limits: [rpm] }))).toMatchObject({
        kind: 'admitted',
        limits: [{ remaining: 0 }],
      })
    })

    it('renews a live hold, and answers false for a hold that is gone', async () => {
      const ledger = open()
      const org = newOrg()
      const a = admission(org)
      await ledger.admit(a)
      expect(await ledger.renew(org.id, a.hold_id, 30_000)).toBe(true)
      await ledger.release(org.id, a.hold_id)
      expect(await ledger.renew(org.id, a.hold_id, 30_000)).toBe(false)
    })

    it('rejects invalid arguments with BUDGET_ARGUMENT_INVALID before anything runs', async () => {
      const ledger = open()
      const org = newOrg()
      const bad: Array<() => Promise<unknown>> = [
        () => ledger.admit(admission(org, { amount_nanos: 2 ** 53 })),
        () => ledger.admit(admission(org, { amount_nanos: 1.5 })),
        () => ledger.admit(admission(org, { hold_id: '' })),
        () => ledger.admit(admission(org, { known_position: '12a' })),
        () => ledger.settle({ organization_id: org.id, hold_id: 'h', cost_nanos: -1, tokens: 0 }),
        () => ledger.seed(org.id, org.orgTotal, Number.NaN),
        () => ledger.renew(org.id, 'h', 0),
        () => ledger.markChanged('-1'),
      ]
      for (const call of bad) await expect(call()).rejects.toMatchObject({ code: 'BUDGET_ARGUMENT_INVALID' })
    })
  })
}
