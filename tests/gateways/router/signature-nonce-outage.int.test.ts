import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import { signRequest } from '../../../gateways/router/sign-request.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { createRedisNonceStore } from '../../../infra/redis/nonce-store.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { deleteKeys } from '../../support/redis.ts'
import { startTcpProxy } from '../../support/tcp-proxy.ts'
import { admin, newOrganization, type Platform, startPlatform } from '../admin/api-keys-platform.ts'

// The nonce store (Redis) away: a signed request is refused with 503 and Retry-After (a replay
// cannot be told from a first use), unsigned requests of keys that allow them go on, and signed
// requests pass again once Redis is back. Redis sits behind a TCP proxy the test stops.

const redis = new URL(loadConfig().AIAAS_REDIS_URL)
const keyPrefix = `test:nonce-outage:${randomUUID()}:`
afterAll(() => deleteKeys(redis.toString(), keyPrefix))

const body = JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'hi' }] })

async function issue(platform: Platform, fields: Record<string, unknown>) {
  const organization_id = await newOrganization(platform)
  const response = await admin(platform, 'POST', '/api-keys', { organization_id, name: 'k', ...fields })
  return response.body as { key: string; signing_secret: string | null }
}

const chat = (platform: Platform, key: string, secret: string | null) =>
  platform.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      ...(secret ? signRequest({ secret, method: 'POST', path: '/v1/chat/completions', body }) : {}),
    },
    payload: body,
  })

describe('request signing while the nonce store does not answer', () => {
  it('refuses signed requests with 503 nonce_store_unavailable and Retry-After, and recovers', async () => {
    const proxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379))
    onTestFinished(() => proxy.stop())
    const nonces = createRedisNonceStore(`redis://127.0.0.1:${proxy.port}`, { keyPrefix })
    onTestFinished(() => nonces.close())
    const platform = await startPlatform(makePostgres('nonceoutage'), { backend: true, nonces })
    const signing = await issue(platform, { require_signature: true })
    const plain = await issue(platform, {})
    const secret = signing.signing_secret ?? ''
    expect((await chat(platform, signing.key, secret)).statusCode).toBe(200)

    await proxy.stop()
    const refused = await chat(platform, signing.key, secret)
    expect(refused.statusCode).toBe(503)
    expect(refused.headers['retry-after']).toBe('1')
    expect(refused.json()).toMatchObject({ error: { type: 'api_error', code: 'nonce_store_unavailable' } })
    // An unsigned request of a key that does not require signatures needs no nonce: it passes.
    expect((await chat(platform, plain.key, null)).statusCode).toBe(200)

    await proxy.resume()
    await expect
      .poll(async () => (await chat(platform, signing.key, secret)).statusCode, {
        timeout: 15_000,
        interval: 100,
      })
      .toBe(200)
  })
})
