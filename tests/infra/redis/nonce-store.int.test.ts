import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createRedisNonceStore } from '../../../infra/redis/nonce-store.ts'
import { deleteKeys } from '../../support/redis.ts'
import { nonceStoreContract } from '../contracts/nonce-store.contract.ts'

const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:nonce:${randomUUID()}:`

nonceStoreContract('redis', () => createRedisNonceStore(redisUrl, { keyPrefix }))

afterAll(() => deleteKeys(redisUrl, keyPrefix))

describe('redis nonce store', () => {
  it('is shared: a nonce claimed through one replica is a replay through another', async () => {
    const [a, b] = [
      createRedisNonceStore(redisUrl, { keyPrefix }),
      createRedisNonceStore(redisUrl, { keyPrefix }),
    ]
    const nonce = randomUUID()
    expect(await a.claim(nonce, 60_000)).toBe(true)
    expect(await b.claim(nonce, 60_000)).toBe(false)
    await Promise.all([a.close(), b.close()])
  })

  it('fails a claim with NONCE_STORE_UNAVAILABLE when Redis does not answer', async () => {
    const store = createRedisNonceStore('redis://127.0.0.1:1')
    await expect(store.claim('n', 1000)).rejects.toMatchObject({ code: 'NONCE_STORE_UNAVAILABLE' })
    await store.close()
  })
})
