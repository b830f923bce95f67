import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { mountIssuer } from '../../../gateways/oauth2/mount.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { memoryStore } from '../../../infra/oidc/memory-store.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { databaseUrl, freshSchema, makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { deleteKeys } from '../../support/redis.ts'
import {
  type SilentServer,
  startSilentServer,
  startTcpProxy,
  type TcpProxy,
} from '../../support/tcp-proxy.ts'
import { type UsersClient, usersClient } from '../admin/users-client.ts'
import { REDIS_ISSUER as ISSUER, startRedisIssuer } from './redis-issuer.ts'

// The issuer keeps its sessions, codes and refresh tokens in Redis (aiaas identity). With Redis
// down or silent, what needs the store answers 503 temporarily_unavailable in bounded time (never
// a 500 or a hang), and client_credentials, which stores nothing, keeps working.
const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:oidc-faults:${Date.now()}:`
const keyring = parseKeyring(newKeyringText('k1'))
const makeDb = makePostgres('oauth2faults')
let handle: TestDatabase
let admin: UsersClient
let account: { client_id: string; client_secret: string }
let proxy: TcpProxy
let silent: SilentServer
const opened: Array<{ close(): Promise<void> }> = []

beforeAll(async () => {
  handle = await makeDb()
  admin = await usersClient(handle.db)
  account = await admin.serviceAccount()
  const target = new URL(redisUrl)
  proxy = await startTcpProxy(target.hostname, Number(target.port || 6379))
  silent = await startSilentServer()
})

afterAll(async () => {
  await Promise.all(opened.map((adapter) => adapter.close()))
  await proxy?.stop()
  await silent?.close()
  await admin?.close()
  await handle?.dispose()
  await deleteKeys(redisUrl, keyPrefix)
})

/** The issuer on Redis at `url` (store and token-endpoint limiter), over real HTTP. */
async function issuerOn(url: string) {
  const base = await startRedisIssuer(handle.db, url, {
    keyring,
    keyPrefix,
    commandTimeoutMs: 300,
    perClient: 100,
    perAddress: 100,
    opened,
  })
  const basic = `Basic ${Buffer.from(`${account.client_id}:${account.client_secret}`).toString('base64')}`
  const post = async (path: string, form: Record<string, string>) => {
    const started = performance.now()
    const response = await fetch(`${base}/oauth2${path}`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    })
    const body = (await response.json()) as Record<string, unknown>
    return { status: response.status, body, ms: performance.now() - started }
  }
  return {
    token: () => post('/token', { grant_type: 'client_credentials' }),
    // Introspecting an opaque token looks it up in the store.
    introspect: () => post('/token/introspection', { token: 'no-such-opaque-token-0123456789abcdef' }),
  }
}

describe('the issuer when its Redis is away', () => {
  it('answers 503 temporarily_unavailable while Redis is down, keeps client_credentials, recovers', async () => {
    const issuer = await issuerOn(`redis://127.0.0.1:${proxy.port}`)
    expect(await issuer.introspect()).toMatchObject({ status: 200, body: { active: false } })

    await proxy.stop()
    const refused = await issuer.introspect()
    expect(refused.status).toBe(503)
    expect(refused.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) })
    expect(refused.ms).toBeLessThan(2_000)
    const token = await issuer.token()
    expect(token.status, JSON.stringify(token.body)).toBe(200)
    expect(token.body.access_token).toEqual(expect.any(String))

    await proxy.resume()
    await vi.waitFor(async () => expect((await issuer.introspect()).status).toBe(200), {
      timeout: 10_000,
      interval: 200,
    })
  })

  it('answers 503 in bounded time when Redis accepts connections and never answers', async () => {
    const issuer = await issuerOn(`redis://127.0.0.1:${silent.port}`)
    const refused = await issuer.introspect()
    expect(refused.status).toBe(503)
    expect(refused.body.error).toBe('temporarily_unavailable')
    expect(refused.ms).toBeLessThan(3_000)
    expect((await issuer.token()).status).toBe(200)
  })
})

describe('the issuer when PostgreSQL is away', () => {
  it('answers client_credentials 503 temporarily_unavailable (its clients are in the read model), then recovers', async () => {
    const { schema, drop } = await freshSchema('oauth2dbdown')
    const direct = createPostgresDatabase(databaseUrl(), { schema })
    await migrate(direct)
    const client = await usersClient(direct)
    const made = await client.serviceAccount()
    const target = new URL(databaseUrl())
    const pgProxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    const proxied = Object.assign(new URL(databaseUrl()), { host: `127.0.0.1:${pgProxy.port}` }).toString()
    const db = createPostgresDatabase(proxied, { schema, connectionTimeoutMillis: 500 })
    const app = createServer({ logLevel: 'silent', metrics: createMetrics('oauth2-dbdown-test') })
    await mountIssuer(app, { db, secrets: createSecretBox(db, keyring), store: memoryStore() }, ISSUER)
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const token = async () => {
      const started = performance.now()
      const response = await fetch(`${base}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${made.client_id}:${made.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      })
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
        ms: performance.now() - started,
      }
    }
    expect((await token()).status).toBe(200)

    await pgProxy.stop()
    const refused = await token()
    expect(refused.status).toBe(503)
    expect(refused.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) })
    expect(refused.ms).toBeLessThan(3_000)
    // The sign-in pages too: a page saying to retry, with 503, not a 500 "something went wrong".
    const page = await fetch(`${base}/oauth2/invitations/${made.id}.${'x'.repeat(43)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password: 'a long enough password', confirm: 'a long enough password' }),
    })
    expect(page.status).toBe(503)
    expect(await page.text()).toContain('Try again shortly')

    await pgProxy.resume()
    await vi.waitFor(async () => expect((await token()).status).toBe(200), { timeout: 10_000, interval: 200 })
    await app.close()
    await db.close()
    await pgProxy.stop()
    await client.close()
    await direct.close()
    await drop()
  })
})
