import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import type { SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import { createRedisSpendLedger } from '../../../infra/redis/spend-ledger.ts'
import { deleteKeys, timed } from '../../support/redis.ts'
import {
  admission,
  newOrg,
  type Org,
  seeded,
  spendLedgerContract,
} from '../contracts/spend-ledger.contract.ts'
import { runModel, steps } from '../contracts/spend-ledger.model.ts'

const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:spend:${randomUUID()}:`

spendLedgerContract('redis', () => createRedisSpendLedger(redisUrl, { keyPrefix }))
// Off by default (docs/benchmarks.md, "Spend ledger"); a deployment that turns it on gets the same ledger.
spendLedgerContract('redis, auto-pipelined', () =>
  createRedisSpendLedger(redisUrl, { keyPrefix, autoPipelining: true }),
)

afterAll(() => deleteKeys(redisUrl, keyPrefix))

describe('redis spend ledger leases', () => {
  it('stops counting a lapsed hold, counts a late settle once, and a renewal revives a lapsed hold', async () => {
    const ledger = createRedisSpendLedger(redisUrl, { keyPrefix })
    const org = newOrg()
    await seeded(ledger, org)
    const a = admission(org, { limit: 1000, amount_nanos: 700, lease_ms: 50 })
    await ledger.admit(a)
    // Wait for the lapse: an admission reaps it once the lease is over, so b fits.
    const lapsed = await until(async () => {
      const b = admission(org, { limit: 1000, amount_nanos: 700, lease_ms: 60_000 })
      return (await ledger.admit(b)).kind === 'admitted' ? b : undefined
    })
    expect(await ledger.renew(org.id, a.hold_id, 60_000)).toBe(true)
    expect(await ledger.counters(org.id, [org.orgTotal])).toEqual([
      { spent_nanos: 0, reserved_nanos: 1400, seeded: true },
    ])
    await ledger.release(org.id, lapsed.hold_id)
    const settle = { organization_id: org.id, hold_id: a.hold_id, cost_nanos: 300, tokens: 0 }
    expect(await ledger.settle(settle)).toEqual({ kind: 'settled', held_nanos: 700 })
    expect(await ledger.settle(settle)).toEqual({ kind: 'unknown' })
    expect(await ledger.counters(org.id, [org.orgTotal])).toEqual([
      { spent_nanos: 300, reserved_nanos: 0, seeded: true },
    ])
    await ledger.close()
  })

  it('counts a settle that arrives after the lease lapsed once, without un-reserving twice', async () => {
    const ledger = createRedisSpendLedger(redisUrl, { keyPrefix })
    const org = newOrg()
    await seeded(ledger, org)
    const a = admission(org, { limit: 1000, amount_nanos: 700, lease_ms: 50 })
    await ledger.admit(a)
    await until(async () => {
      const probe = admission(org, { limit: 1000, amount_nanos: 1000 })
      if ((await ledger.admit(probe)).kind !== 'admitted') return undefined
      await ledger.release(org.id, probe.hold_id)
      return true
    })
    await ledger.settle({ organization_id: org.id, hold_id: a.hold_id, cost_nanos: 650, tokens: 0 })
    expect(await ledger.counters(org.id, [org.orgTotal])).toEqual([
      { spent_nanos: 650, reserved_nanos: 0, seeded: true },
    ])
    await ledger.close()
  })
})

describe('redis spend ledger memory', () => {
  it('leaves nothing of a settled or released request behind but its counters and limits', async () => {
    const ledger = createRedisSpendLedger(redisUrl, { keyPrefix })
    const org = newOrg()
    await seeded(ledger, org)
    const limits = [{ scope: 'key' as const, id: org.key, unit: 'tokens' as const, per_minute: 100_000 }]
    const requests = Array.from({ length: 20 }, () => admission(org, { limit: 1_000_000, limits }))
    for (const request of requests) await ledger.admit(request)
    for (const [i, request] of requests.entries()) {
      if (i % 2 === 0) await ledger.release(org.id, request.hold_id)
      else
        await ledger.settle({ organization_id: org.id, hold_id: request.hold_id, cost_nanos: 1, tokens: 1 })
    }
    const admin = new Redis(redisUrl)
    const keys = (await admin.keys(`${keyPrefix}{${org.id}}:*`)).map((k) => k.slice(k.indexOf('}:') + 2))
    expect(keys.filter((k) => k.startsWith('h:'))).toEqual([])
    expect(await admin.zcard(`${keyPrefix}{${org.id}}:leases`)).toBe(0)
    // Six spend counters and at most the key's arrival time, however many requests were settled.
    expect(keys.filter((k) => k.startsWith('c:'))).toHaveLength(6)
    expect(keys.filter((k) => !k.startsWith('c:') && !k.startsWith('rl:key:'))).toEqual([])
    await admin.quit()
    await ledger.close()
  })
})

describe('redis spend ledger records of the earlier layout', () => {
  it('settles a hold whose record an earlier version wrote as a JSON object (a rolling upgrade)', async () => {
    const ledger = createRedisSpendLedger(redisUrl, { keyPrefix })
    const admin = new Redis(redisUrl)
    const org = newOrg()
    await seeded(ledger, org)
    const a = admission(org, { limit: 1000, amount_nanos: 700 })
    expect((await ledger.admit(a)).kind).toBe('admitted')
    // The same hold as the JSON-object layout wrote it: every key in full, numbers as numbers.
    const base = `${keyPrefix}{${org.id}}:`
    const counter = (owner: string, label: string) => `${base}c:${owner}:${label}`
    const spend = a.spend.map((ref) => [counter(ref.api_key_id ?? 'org', ref.label), ref.ttl_ms])
    const record = { a: '700', rc: [counter('org', 'total')], sc: spend, w: [], l: 0 }
    await admin.set(`${base}h:${a.hold_id}`, JSON.stringify(record), 'KEEPTTL')
    expect(await ledger.renew(org.id, a.hold_id, 60_000)).toBe(true)
    const settle = { organization_id: org.id, hold_id: a.hold_id, cost_nanos: 300, tokens: 0 }
    expect(await ledger.settle(settle)).toEqual({ kind: 'settled', held_nanos: 700 })
    expect(await ledger.counters(org.id, [org.orgTotal, org.keyTotal])).toEqual([
      { spent_nanos: 300, reserved_nanos: 0, seeded: true },
      { spent_nanos: 300, reserved_nanos: 0, seeded: false },
    ])
    await admin.quit()
    await ledger.close()
  })

  it('writes records an earlier version can reap: its reaper gives the reservation back, a late settle counts once', async () => {
    const ledger = createRedisSpendLedger(redisUrl, { keyPrefix })
    const admin = new Redis(redisUrl)
    const org = newOrg()
    await seeded(ledger, org)
    const a = admission(org, { limit: 1000, amount_nanos: 700 })
    expect((await ledger.admit(a)).kind).toBe('admitted')
    // The earlier version's reaper, as it ran on a lapsed hold (ADR 0020, "Wire").
    const earlierReaper = `
      local rec = cjson.decode(redis.call('GET', KEYS[1]))
      if rec.l == 0 then
        for _, c in ipairs(rec.rc) do redis.call('HINCRBY', c, 'r', string.format('%d', -1 * tonumber(rec.a))) end
        rec.l = 1
        redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
      end
      return 1`
    await admin.eval(earlierReaper, 1, `${keyPrefix}{${org.id}}:h:${a.hold_id}`)
    expect(await ledger.counters(org.id, [org.orgTotal])).toEqual([
      { spent_nanos: 0, reserved_nanos: 0, seeded: true },
    ])
    const settle = { organization_id: org.id, hold_id: a.hold_id, cost_nanos: 650, tokens: 0 }
    expect(await ledger.settle(settle)).toEqual({ kind: 'settled', held_nanos: 700 })
    expect(await ledger.counters(org.id, [org.orgTotal])).toEqual([
      { spent_nanos: 650, reserved_nanos: 0, seeded: true },
    ])
    await admin.quit()
    await ledger.close()
  })
})

describe('redis spend ledger when Redis is away', () => {
  it('rejects with BUDGET_LEDGER_UNAVAILABLE within ~1 s when nothing listens', async () => {
    const ledger = createRedisSpendLedger('redis://127.0.0.1:1')
    const org = newOrg()
    const operations: Array<() => Promise<unknown>> = [
      () => ledger.admit(admission(org)),
      () => ledger.settle({ organization_id: org.id, hold_id: 'h', cost_nanos: 1, tokens: 1 }),
      () => ledger.release(org.id, 'h'),
      () => ledger.renew(org.id, 'h', 1000),
      () => ledger.seed(org.id, org.orgTotal, 1),
      () => ledger.counters(org.id, [org.orgTotal]),
      () => ledger.markChanged('1'),
      () => ledger.ping(),
    ]
    for (const operation of operations) {
      const { error, ms } = await timed(operation())
      expect(error).toMatchObject({ code: 'BUDGET_LEDGER_UNAVAILABLE' })
      expect(ms).toBeLessThan(1000)
    }
    await ledger.close()
  })
})

async function until<T>(probe: () => Promise<T | undefined>, withinMs = 5000): Promise<T> {
  const deadline = performance.now() + withinMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (performance.now() > deadline) throw new Error('condition not reached in time')
    await sleep(20)
  }
}

describe('redis spend ledger model', () => {
  it('keeps spent == settled costs and within the hard limit over any interleaving, restarts included', async () => {
    const lease_ms = 40
    const harness = {
      open: () => createRedisSpendLedger(redisUrl, { keyPrefix }),
      // Nothing renews the model's holds: wait until every lease lapsed and was reaped (an
      // admission reaps), i.e. until nothing is reserved any more.
      lapse: async (ledger: SpendLedger, org: Org) => {
        await until(async () => {
          const probe = admission(org)
          await ledger.admit(probe)
          await ledger.release(org.id, probe.hold_id)
          const [counter] = await ledger.counters(org.id, [org.orgTotal])
          return counter?.reserved_nanos === 0 ? true : undefined
        })
      },
      lease_ms,
      restartable: true,
    }
    await fc.assert(
      fc.asyncProperty(steps, (script) => runModel(harness, script)),
      { numRuns: 15 },
    )
  }, 60_000)
})
