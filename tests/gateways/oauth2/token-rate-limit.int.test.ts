import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { mountIssuer } from '../../../gateways/oauth2/mount.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createRedisStore } from '../../../infra/oidc/redis-store.ts'
import { createRedisRateLimiter } from '../../../infra/redis/rate-limiter.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { deleteKeys } from '../../support/redis.ts'
import { type UsersClient, usersClient } from '../admin/users-client.ts'

// Two issuer replicas on one Redis, as `aiaas identity` runs: a service account's token requests
// are counted once across both, so its limit is the limit of the deployment, not of a replica.
const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:oauth2-rate:${randomUUID()}:`
const keyring = parseKeyring(newKeyringText('k1'))
const makeDb = makePostgres('oauth2rate')
let handle: TestDatabase
let admin: UsersClient
const opened: Array<{ close(): Promise<void> }> = []

beforeAll(async () => {
  handle = await makeDb()
  admin = await usersClient(handle.db)
})
afterAll(async () => {
  for (const adapter of opened) await adapter.close()
  await admin?.close()
  await handle?.dispose()
  await deleteKeys(redisUrl, keyPrefix)
})

async function replica(perClient: number) {
  const oidc = createRedisStore(redisUrl, { keyPrefix })
  const limiter = createRedisRateLimiter(redisUrl, { keyPrefix })
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('oauth2-rate-int') })
  opened.push(app, oidc, limiter)
  const secrets = createSecretBox(handle.db, keyring)
  await mountIssuer(app, { db: handle.db, secrets, store: oidc.store }, 'http://issuer.test/oauth2', {
    tokenRateLimit: { limiter, perClient, perAddress: 1000 },
  })
  return app.listen({ host: '127.0.0.1', port: 0 })
}

describe('POST /oauth2/token limit on Redis', () => {
  it('counts one client across replicas: tokens until the limit, then 429 from either', async () => {
    const organization_id = await admin.organization()
    const made = await admin.call('POST', '/service-accounts', {
      organization_id,
      name: 'ci',
      roles: ['analyst'],
    })
    expect(made.status).toBe(201)
    await vi.waitFor(
      async () => expect((await admin.call('GET', `/service-accounts/${made.body.id}`)).status).toBe(200),
      { timeout: 20_000, interval: 50 },
    )
    const bases = [await replica(4), await replica(4)]
    const basic = `Basic ${Buffer.from(`${made.body.client_id}:${made.body.client_secret}`).toString('base64')}`
    const token = async (base: string) => {
      const response = await fetch(`${base}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      })
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: await response.json(),
      }
    }
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await token(bases[i % 2] ?? ''))
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 429, 429])
    expect(answers[0]?.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) })
    expect(answers[5]?.body).toMatchObject({ error: 'slow_down' })
    expect(Number(answers[5]?.retryAfter)).toBeGreaterThanOrEqual(1)
  })
})
