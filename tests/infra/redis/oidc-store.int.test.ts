import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createRedisStore } from '../../../infra/oidc/redis-store.ts'
import { deleteKeys, timed } from '../../support/redis.ts'
import { startSilentServer } from '../../support/tcp-proxy.ts'
import { oidcStoreContract } from '../contracts/oidc-store.contract.ts'

const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:oidc:${randomUUID()}:`

oidcStoreContract('redis', async () => {
  const opened = createRedisStore(redisUrl, { keyPrefix })
  return { store: opened.store, dispose: () => opened.close() }
})

afterAll(() => deleteKeys(redisUrl, keyPrefix))

describe('redis OIDC store', () => {
  it('is shared: what one replica writes, consumes or revokes, another sees', async () => {
    const [a, b] = [createRedisStore(redisUrl, { keyPrefix }), createRedisStore(redisUrl, { keyPrefix })]
    const [code, grant] = [randomUUID(), randomUUID()]
    await a.store('AuthorizationCode').upsert(code, { jti: code, grantId: grant }, 60)
    expect(await b.store('AuthorizationCode').find(code)).toEqual({ jti: code, grantId: grant })
    await b.store('AuthorizationCode').consume(code)
    expect(await a.store('AuthorizationCode').find(code)).toMatchObject({ consumed: expect.any(Number) })
    await a.store('RefreshToken').revokeByGrantId(grant)
    expect(await b.store('AuthorizationCode').find(code)).toBeUndefined()
    await Promise.all([a.close(), b.close()])
  })

  it('fails with OIDC_STORE_UNAVAILABLE within its timeout when Redis is down or silent', async () => {
    const silent = await startSilentServer()
    for (const url of ['redis://127.0.0.1:1', `redis://127.0.0.1:${silent.port}`]) {
      const opened = createRedisStore(url, { keyPrefix, commandTimeoutMs: 300 })
      const { error, ms } = await timed(opened.store('Session').find('x'))
      expect(error).toMatchObject({ code: 'OIDC_STORE_UNAVAILABLE' })
      expect(ms).toBeLessThan(1500)
      await opened.close()
    }
    await silent.close()
  })
})
