import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { openIssuer } from '../../../gateways/oauth2/open-issuer.ts'
import { oauth2Routes } from '../../../gateways/oauth2/routes.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createMemoryRateLimiter } from '../../../infra/memory/rate-limiter.ts'
import { memoryStore } from '../../../infra/oidc/memory-store.ts'
import type { RateLimiter } from '../../../infra/ports/rate-limiter.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'

// POST /oauth2/token is limited per client id (HTTP Basic or client_id in the body) and per
// address, with the memory limiter; the real token path through the limit: token-rate-limit.int.
let handle: TestDatabase
const keyring = parseKeyring(newKeyringText('k1'))
beforeAll(async () => {
  handle = await makePglite()
})
afterAll(() => handle.dispose())

async function limitedIssuer(
  perClient: number,
  perAddress: number,
  limiter: RateLimiter = createMemoryRateLimiter(),
) {
  const secrets = createSecretBox(handle.db, keyring)
  const issuer = await openIssuer(handle.db, secrets, 'http://issuer.test/oauth2', memoryStore())
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('oauth2-rate-test') })
  await app.register(oauth2Routes, {
    prefix: '/oauth2',
    provider: issuer.provider,
    tokenRateLimit: { limiter, perClient, perAddress },
  })
  await app.ready()
  const token = async (auth: { basic?: string; body?: string }, remoteAddress = '192.0.2.1') => {
    const basic = auth.basic && `Basic ${Buffer.from(`${auth.basic}:wrong-secret`).toString('base64')}`
    const form = new URLSearchParams({ grant_type: 'client_credentials' })
    if (auth.body) form.set('client_id', auth.body)
    if (auth.body) form.set('client_secret', 'wrong-secret')
    const response = await app.inject({
      method: 'POST',
      url: '/oauth2/token',
      remoteAddress,
      headers: {
        host: 'issuer.test',
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic ? { authorization: basic } : {}),
      },
      payload: form.toString(),
    })
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.json() as Record<string, string>,
    }
  }
  return { app, token }
}

describe('POST /oauth2/token rate limit', () => {
  it('refuses a client past its limit with 429 slow_down and retry-after, whichever way it names itself', async () => {
    const { app, token } = await limitedIssuer(3, 100)
    expect((await token({ basic: 'client-a' })).status).toBe(401)
    expect((await token({ body: 'client-a' })).status).toBe(401)
    expect((await token({ basic: 'client-a' }, '192.0.2.2')).body.error).toBe('invalid_client')
    const refused = await token({ body: 'client-a' }, '192.0.2.3')
    expect(refused.status).toBe(429)
    expect(refused.body).toEqual({
      error: 'slow_down',
      error_description: expect.stringMatching(/retry in \d+ s/),
    })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60)
    expect(refused.headers['cache-control']).toBe('no-store')
    // Another client is not held back by client-a's count.
    expect((await token({ basic: 'client-b' })).body.error).toBe('invalid_client')
    await app.close()
  })

  it('refuses an address past its limit, whatever clients it names; other addresses go on', async () => {
    const { app, token } = await limitedIssuer(100, 2)
    expect((await token({ basic: 'c1' })).status).toBe(401)
    expect((await token({ body: 'c2' })).status).toBe(401)
    expect((await token({ basic: 'c3' })).status).toBe(429)
    expect((await token({})).status).toBe(429)
    expect((await token({ basic: 'c3' }, '198.51.100.7')).status).toBe(401)
    await app.close()
  })

  it('hands the body it read to the issuer: a client named in the body only is authenticated from it', async () => {
    const { app, token } = await limitedIssuer(100, 100)
    // Without the body the issuer would answer invalid_request (no client authentication at all).
    expect((await token({ body: 'no-such-client' })).body).toMatchObject({ error: 'invalid_client' })
    await app.close()
  })

  it('counts on this replica alone when the shared limiter does not answer', async () => {
    const down: RateLimiter = {
      hit: async () => Promise.reject(new Error('redis down')),
      ping: async () => {},
      close: async () => {},
    }
    const { app, token } = await limitedIssuer(1, 100, down)
    expect((await token({ basic: 'c' })).status).toBe(401)
    expect((await token({ basic: 'c' })).status).toBe(429)
    await app.close()
  })
})
