import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { deleteKeys } from '../../support/redis.ts'
import { type UsersClient, usersClient } from '../admin/users-client.ts'
import { startRedisIssuer } from './redis-issuer.ts'

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

const replica = (perClient: number) =>
  startRedisIssuer(handle.db, redisUrl, { keyring, keyPrefix, perClient, perAddress: 1000, opened })

describe('POST /oauth2/token limit on Redis', () => {
  it('counts one client across replicas: tokens until the limit, then 429 from either', async () => {
    const made = await admin.serviceAccount()
    const bases = [await replica(4), await replica(4)]
    const basic = `Basic ${Buffer.from(`${made.client_id}:${made.client_secret}`).toString('base64')}`
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
