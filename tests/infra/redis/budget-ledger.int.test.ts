import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createRedisBudgetLedger } from '../../../infra/redis/budget-ledger.ts'
import { deleteKeys, timed } from '../../support/redis.ts'
import { startSilentServer, startTcpProxy } from '../../support/tcp-proxy.ts'
import { budgetLedgerContract, checkReservationRace } from '../contracts/budget-ledger.contract.ts'

const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:budget:${randomUUID()}:`
const hold = { holdMs: 60_000, keyTtlMs: 120_000 }

budgetLedgerContract('redis', () => createRedisBudgetLedger(redisUrl, { keyPrefix }))

afterAll(() => deleteKeys(redisUrl, keyPrefix))

describe('redis budget ledger across replicas', () => {
  it('never lets concurrent reservations from two ledger instances past the limit', async () => {
    const replicas = [
      createRedisBudgetLedger(redisUrl, { keyPrefix }),
      createRedisBudgetLedger(redisUrl, { keyPrefix }),
    ]
    await checkReservationRace(replicas, 30)
    await Promise.all(replicas.map((ledger) => ledger.close()))
  })

  it('keeps one budget in one hash-tagged slot and expires its keys keyTtlMs after the last write', async () => {
    const ledger = createRedisBudgetLedger(redisUrl, { keyPrefix })
    const key = `ttl-${randomUUID()}`
    await ledger.reserve(key, 'a', 5, 10, { holdMs: 1_000, keyTtlMs: 5_000 })
    await ledger.settle(key, 'a', 5)
    const admin = new Redis(redisUrl)
    const keys = await admin.keys(`${keyPrefix}{${key}}:*`)
    expect(keys.map((k) => k.slice(k.lastIndexOf(':') + 1)).sort()).toEqual(['settled', 'spent', 'ttl'])
    for (const k of keys) {
      const ttl = await admin.pttl(k)
      expect(ttl).toBeGreaterThan(4_000)
      expect(ttl).toBeLessThanOrEqual(5_000)
    }
    await admin.quit()
    await ledger.close()
  })
})

describe('redis budget ledger when Redis is away', () => {
  it('rejects with BUDGET_LEDGER_UNAVAILABLE within ~1 s when nothing listens', async () => {
    const ledger = createRedisBudgetLedger('redis://127.0.0.1:1')
    const operations: Array<() => Promise<unknown>> = [
      () => ledger.reserve('k', 'a', 1, 10, hold),
      () => ledger.settle('k', 'a', 1),
      () => ledger.release('k', 'a'),
      () => ledger.usage('k'),
      () => ledger.ping(),
    ]
    for (const operation of operations) {
      const { error, ms } = await timed(operation())
      expect(error).toMatchObject({ code: 'BUDGET_LEDGER_UNAVAILABLE' })
      expect(ms).toBeLessThan(1000)
    }
    await ledger.close()
  })

  it('rejects within the command timeout when Redis accepts but never answers', async () => {
    const silent = await startSilentServer()
    const ledger = createRedisBudgetLedger(`redis://127.0.0.1:${silent.port}`, { commandTimeoutMs: 300 })
    const { error, ms } = await timed(ledger.reserve('k', 'a', 1, 10, hold))
    expect(error).toMatchObject({ code: 'BUDGET_LEDGER_UNAVAILABLE' })
    expect(ms).toBeLessThan(800)
    await ledger.close()
    await silent.close()
  })

  it('fails fast during an outage and recovers by itself when Redis returns', async () => {
    const target = new URL(redisUrl)
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379))
    const ledger = createRedisBudgetLedger(`redis://127.0.0.1:${proxy.port}`, { keyPrefix })
    const key = `outage-${randomUUID()}`
    expect((await ledger.reserve(key, 'before', 100, 1_000, hold)).ok).toBe(true)

    await proxy.stop()
    const during: Array<() => Promise<unknown>> = [
      () => ledger.reserve(key, 'during', 100, 1_000, hold),
      () => ledger.settle(key, 'before', 80),
    ]
    for (const operation of during) {
      const { error, ms } = await timed(operation())
      expect(error).toMatchObject({ code: 'BUDGET_LEDGER_UNAVAILABLE' })
      expect(ms).toBeLessThan(1000)
    }

    await proxy.resume()
    await eventually(() => ledger.settle(key, 'before', 80), 5000)
    expect(await ledger.usage(key)).toEqual({ spent_nanos: 80, reserved_nanos: 0 })
    await ledger.close()
    await proxy.stop()
  })
})

async function eventually<T>(operation: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = performance.now() + withinMs
  for (;;) {
    try {
      return await operation()
    } catch (error) {
      if (performance.now() > deadline) throw error
      await sleep(100)
    }
  }
}
