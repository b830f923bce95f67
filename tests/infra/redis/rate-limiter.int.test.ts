import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createRedisRateLimiter } from '../../../infra/redis/rate-limiter.ts'
import { deleteKeys, timed } from '../../support/redis.ts'
import { startSilentServer, startTcpProxy } from '../../support/tcp-proxy.ts'
import { rateLimiterContract } from '../contracts/rate-limiter.contract.ts'

const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:rl:${randomUUID()}:`

rateLimiterContract('redis', () => createRedisRateLimiter(redisUrl, { keyPrefix }))

afterAll(() => deleteKeys(redisUrl, keyPrefix))

describe('redis rate limiter across replicas', () => {
  it('lets exactly 30 of 5×20 concurrent hits through two limiter instances', async () => {
    const replicas = [
      createRedisRateLimiter(redisUrl, { keyPrefix }),
      createRedisRateLimiter(redisUrl, { keyPrefix }),
    ]
    const key = `replicas-${randomUUID()}`
    const wave = () =>
      Promise.all(Array.from({ length: 20 }, (_, i) => replicas[i % 2]!.hit(key, 30, 60_000)))
    const decisions = (await Promise.all(Array.from({ length: 5 }, wave))).flat()
    expect(decisions.filter((d) => d.allowed)).toHaveLength(30)
    await Promise.all(replicas.map((limiter) => limiter.close()))
  })
})

describe('redis rate limiter when Redis is away', () => {
  it('rejects with RATE_LIMITER_UNAVAILABLE within ~1 s when nothing listens', async () => {
    const limiter = createRedisRateLimiter('redis://127.0.0.1:1')
    const operations: Array<() => Promise<unknown>> = [
      () => limiter.hit('k', 1, 1000),
      () => limiter.ping(),
      () => limiter.hit('k', 1, 1000),
    ]
    for (const operation of operations) {
      const { error, ms } = await timed(operation())
      expect(error).toMatchObject({ code: 'RATE_LIMITER_UNAVAILABLE' })
      expect(ms).toBeLessThan(1000)
    }
    await limiter.close()
  })

  it('rejects within the command timeout when Redis accepts but never answers', async () => {
    const silent = await startSilentServer()
    const limiter = createRedisRateLimiter(`redis://127.0.0.1:${silent.port}`, { commandTimeoutMs: 300 })
    const { error, ms } = await timed(limiter.hit('k', 1, 1000))
    expect(error).toMatchObject({ code: 'RATE_LIMITER_UNAVAILABLE' })
    expect(ms).toBeLessThan(800)
    await limiter.close()
    await silent.close()
  })

  it('fails fast during an outage and recovers by itself when Redis returns', async () => {
    const target = new URL(redisUrl)
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379))
    const limiter = createRedisRateLimiter(`redis://127.0.0.1:${proxy.port}`, { keyPrefix })
    const key = `outage-${randomUUID()}`
    expect((await limiter.hit(key, 100, 60_000)).allowed).toBe(true)

    await proxy.stop()
    const { error, ms } = await timed(limiter.hit(key, 100, 60_000))
    expect(error).toMatchObject({ code: 'RATE_LIMITER_UNAVAILABLE' })
    expect(ms).toBeLessThan(1000)

    await proxy.resume()
    expect(await eventually(() => limiter.hit(key, 100, 60_000), 5000)).toMatchObject({ remaining: 98 })
    await limiter.close()
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
