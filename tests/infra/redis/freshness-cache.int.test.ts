import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createRedisFreshnessCache } from '../../../infra/redis/freshness-cache.ts'
import { deleteKeys } from '../../support/redis.ts'
import { freshnessCacheContract } from '../contracts/freshness-cache.contract.ts'

const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:freshness:${randomUUID()}:`

freshnessCacheContract('redis', () => createRedisFreshnessCache(redisUrl, { keyPrefix }))

afterAll(() => deleteKeys(redisUrl, keyPrefix))

describe('redis freshness cache', () => {
  it('is shared: a value set through one replica is read through another', async () => {
    const [a, b] = [
      createRedisFreshnessCache(redisUrl, { keyPrefix }),
      createRedisFreshnessCache(redisUrl, { keyPrefix }),
    ]
    const organization = randomUUID()
    await a.set(organization, 'shared', 60_000)
    expect(await b.get(organization)).toBe('shared')
    await Promise.all([a.close(), b.close()])
  })

  it('fails a call with FRESHNESS_CACHE_UNAVAILABLE when Redis does not answer (callers read the database)', async () => {
    const cache = createRedisFreshnessCache('redis://127.0.0.1:1')
    await expect(cache.get('org')).rejects.toMatchObject({ code: 'FRESHNESS_CACHE_UNAVAILABLE' })
    await cache.close()
  })
})
