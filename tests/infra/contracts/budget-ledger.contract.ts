import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import type { BudgetLedger } from '../../../infra/ports/budget-ledger.ts'

// One suite, run against every BudgetLedger adapter (STYLE.md §9): what the router may rely on.
const long = { holdMs: 60_000, keyTtlMs: 120_000 }
const key = () => `contract-${randomUUID()}`

export function budgetLedgerContract(name: string, create: () => BudgetLedger): void {
  describe(`BudgetLedger contract: ${name}`, () => {
    const opened: BudgetLedger[] = []
    const open = () => {
      const ledger = create()
      opened.push(ledger)
      return ledger
    }

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((ledger) => ledger.close()))
    })

    it('holds a reservation within the limit and refuses one over it, with the figures', async () => {
      const ledger = open()
      const k = key()
      expect(await ledger.reserve(k, 'a', 600, 1000, long)).toEqual({
        ok: true,
        spent_nanos: 0,
        reserved_nanos: 600,
      })
      expect(await ledger.reserve(k, 'b', 400, 1000, long)).toEqual({
        ok: true,
        spent_nanos: 0,
        reserved_nanos: 1000,
      })
      expect(await ledger.reserve(k, 'c', 1, 1000, long)).toEqual({
        ok: false,
        spent_nanos: 0,
        reserved_nanos: 1000,
        limit_nanos: 1000,
      })
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 0, reserved_nanos: 1000 })
    })

    it('settles a hold into spend of the actual amount, more or less than held', async () => {
      const ledger = open()
      const k = key()
      await ledger.reserve(k, 'less', 500, 10_000, long)
      await ledger.reserve(k, 'more', 500, 10_000, long)
      await ledger.settle(k, 'less', 120)
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 120, reserved_nanos: 500 })
      await ledger.settle(k, 'more', 900)
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 1020, reserved_nanos: 0 })
      const refused = await ledger.reserve(k, 'next', 9000, 10_000, long)
      expect(refused).toEqual({ ok: false, spent_nanos: 1020, reserved_nanos: 0, limit_nanos: 10_000 })
    })

    it('frees a released hold without spending', async () => {
      const ledger = open()
      const k = key()
      await ledger.reserve(k, 'a', 1000, 1000, long)
      await ledger.release(k, 'a')
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 0, reserved_nanos: 0 })
      expect((await ledger.reserve(k, 'b', 1000, 1000, long)).ok).toBe(true)
    })

    it('settles and releases idempotently; a release after a settle changes nothing', async () => {
      const ledger = open()
      const k = key()
      await ledger.reserve(k, 'a', 300, 1000, long)
      await ledger.reserve(k, 'b', 300, 1000, long)
      await ledger.settle(k, 'a', 250)
      await ledger.settle(k, 'a', 250)
      await ledger.settle(k, 'a', 999)
      await ledger.release(k, 'a')
      await ledger.release(k, 'b')
      await ledger.release(k, 'b')
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 250, reserved_nanos: 0 })
    })

    it('still counts a settle that arrives after a release (the settle reports money spent)', async () => {
      const ledger = open()
      const k = key()
      await ledger.reserve(k, 'a', 300, 1000, long)
      await ledger.release(k, 'a')
      await ledger.settle(k, 'a', 200)
      await ledger.settle(k, 'a', 200)
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 200, reserved_nanos: 0 })
    })

    it('replaces, not doubles, the hold when a reserve of the same id is retried', async () => {
      const ledger = open()
      const k = key()
      await ledger.reserve(k, 'a', 700, 1000, long)
      expect(await ledger.reserve(k, 'a', 700, 1000, long)).toEqual({
        ok: true,
        spent_nanos: 0,
        reserved_nanos: 700,
      })
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 0, reserved_nanos: 700 })
    })

    it('stops counting an expired hold, and a settle after expiry still counts the spend once', async () => {
      const ledger = open()
      const k = key()
      const short = { holdMs: 100, keyTtlMs: 60_000 }
      await ledger.reserve(k, 'dead-router', 1000, 1000, short)
      expect((await ledger.reserve(k, 'b', 1, 1000, short)).ok).toBe(false)
      await sleep(150)
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 0, reserved_nanos: 0 })
      expect(await ledger.reserve(k, 'b', 600, 1000, long)).toEqual({
        ok: true,
        spent_nanos: 0,
        reserved_nanos: 600,
      })
      await ledger.settle(k, 'dead-router', 700)
      await ledger.settle(k, 'dead-router', 700)
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 700, reserved_nanos: 600 })
    })

    it('keeps keys independent', async () => {
      const ledger = open()
      const [a, b] = [key(), key()]
      await ledger.reserve(a, 'x', 1000, 1000, long)
      await ledger.settle(a, 'x', 1000)
      expect(await ledger.reserve(b, 'x', 1000, 1000, long)).toEqual({
        ok: true,
        spent_nanos: 0,
        reserved_nanos: 1000,
      })
      await ledger.settle(b, 'x', 10)
      expect(await ledger.usage(a)).toEqual({ spent_nanos: 1000, reserved_nanos: 0 })
      expect(await ledger.usage(b)).toEqual({ spent_nanos: 10, reserved_nanos: 0 })
      expect(await ledger.usage(key())).toEqual({ spent_nanos: 0, reserved_nanos: 0 })
    })

    it('adds amounts beyond 2^32 nanos exactly (sub-micro-dollar prices over a large budget)', async () => {
      const ledger = open()
      const k = key()
      const limit = Number.MAX_SAFE_INTEGER - 1
      await ledger.reserve(k, 'a', 4_503_599_627_370_497, limit, long)
      await ledger.settle(k, 'a', 4_503_599_627_370_497)
      await ledger.reserve(k, 'b', 3, limit, long)
      await ledger.settle(k, 'b', 3)
      expect(await ledger.usage(k)).toEqual({ spent_nanos: 4_503_599_627_370_500, reserved_nanos: 0 })
    })

    it('rejects negative or fractional amounts and bad hold times with BUDGET_ARGUMENT_INVALID', async () => {
      const ledger = open()
      const invalid = { code: 'BUDGET_ARGUMENT_INVALID' }
      await expect(ledger.reserve(key(), 'a', -1, 10, long)).rejects.toMatchObject(invalid)
      await expect(ledger.reserve(key(), 'a', 1.5, 10, long)).rejects.toMatchObject(invalid)
      await expect(ledger.reserve(key(), 'a', 1, -10, long)).rejects.toMatchObject(invalid)
      await expect(ledger.reserve(key(), 'a', 1, 10, { holdMs: 0, keyTtlMs: 10 })).rejects.toMatchObject(
        invalid,
      )
      await expect(ledger.reserve(key(), 'a', 1, 10, { holdMs: 10.5, keyTtlMs: 100 })).rejects.toMatchObject(
        invalid,
      )
      await expect(ledger.settle(key(), 'a', -5)).rejects.toMatchObject(invalid)
      await expect(ledger.settle(key(), 'a', Number.NaN)).rejects.toMatchObject(invalid)
    })

    it('answers ping while open and BUDGET_LEDGER_UNAVAILABLE once closed', async () => {
      const ledger = create()
      await expect(ledger.ping()).resolves.toBeUndefined()
      await ledger.close()
      const unavailable = { code: 'BUDGET_LEDGER_UNAVAILABLE' }
      await expect(ledger.reserve(key(), 'a', 1, 10, long)).rejects.toMatchObject(unavailable)
      await expect(ledger.usage(key())).rejects.toMatchObject(unavailable)
      await expect(ledger.ping()).rejects.toMatchObject(unavailable)
    })

    it('never lets concurrent reservations past the limit, and spends exactly what was settled', async () => {
      const ledger = open()
      await checkReservationRace([ledger], 30)
    })
  })
}

const raceCase = fc.record({
  limit: fc.integer({ min: 0, max: 5_000 }),
  requests: fc.array(
    fc.record({
      amount: fc.integer({ min: 0, max: 1_000 }),
      settle: fc.boolean(),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { maxLength: 40 },
  ),
})

/**
 * The race property behind reserve-first: reservations fired at once (spread over `ledgers`, e.g. two
 * router replicas on one Redis) never hold more than the limit, none is refused while it would have
 * fitted, and after a random mix of settles (actual ≤ held, each settled twice) and releases the
 * spend is exactly the sum of the settled actual amounts.
 */
export async function checkReservationRace(ledgers: BudgetLedger[], numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(raceCase, async ({ limit, requests }) => {
      const k = key()
      const results = await Promise.all(
        requests.map((r, i) => ledgers[i % ledgers.length]!.reserve(k, `r${i}`, r.amount, limit, long)),
      )
      const accepted = requests.flatMap((r, i) => (results[i]!.ok ? [{ ...r, id: `r${i}`, i }] : []))
      const held = accepted.reduce((sum, r) => sum + r.amount, 0)
      expect(held).toBeLessThanOrEqual(limit)
      // Nothing is released during the burst, so holds only grow: a refusal means it still would not fit.
      for (const [i, r] of requests.entries())
        if (!results[i]!.ok) expect(held + r.amount).toBeGreaterThan(limit)
      expect(await ledgers[0]!.usage(k)).toEqual({ spent_nanos: 0, reserved_nanos: held })

      let settled = 0
      for (const r of accepted) {
        const ledger = ledgers[r.i % ledgers.length]!
        if (r.settle) {
          const actual = Math.floor(r.amount * r.fraction)
          await Promise.all([ledger.settle(k, r.id, actual), ledger.settle(k, r.id, actual)])
          settled += actual
        } else await ledger.release(k, r.id)
        const now = await ledgers[0]!.usage(k)
        expect(now.spent_nanos).toBe(settled)
        expect(now.spent_nanos + now.reserved_nanos).toBeLessThanOrEqual(limit)
      }
      expect(await ledgers[0]!.usage(k)).toEqual({ spent_nanos: settled, reserved_nanos: 0 })
    }),
    { numRuns },
  )
}
