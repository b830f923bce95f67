import { generateKeyPair, importJWK, SignJWT } from 'jose'
import { describe, expect, it, vi } from 'vitest'
import { ADMIN_API_AUDIENCE } from '../../../gateways/oauth2/issuer.ts'
import { loadSigningKeys } from '../../../infra/oidc/signing-keys.ts'
import { freePort } from '../../support/ports.ts'
import {
  call,
  clientCredentials,
  PLATFORM_ADMIN_TOKEN,
  PLATFORM_ISSUER,
  startSeparateAnalytics,
  tokenPlatformEachTest,
} from './platform.ts'

// A service account signs in with client_credentials over HTTP and uses its access token on the
// admin and analytics APIs: it acts as itself (every event's actor), with its roles, in its one
// organization; a token that fails any check is a 401. On real PostgreSQL.
const world = tokenPlatformEachTest('access_tokens')
const { asAdmin, organization } = world

/** A service account with these roles, once the issuer can see it, and a token for it. */
async function signedIn(organization_id: string, roles: string[]) {
  const made = await asAdmin('POST', '/service-accounts', { organization_id, name: 'ci', roles })
  expect(made.status).toBe(201)
  const { id, client_id, client_secret } = made.body as Record<string, string>
  await vi.waitFor(async () => expect((await asAdmin('GET', `/service-accounts/${id}`)).status).toBe(200), {
    timeout: 20_000,
  })
  const token = await clientCredentials(world.platform.base, String(client_id), String(client_secret))
  expect(token.status, JSON.stringify(token.body)).toBe(200)
  const accessToken = String(token.body.access_token)
  return {
    id: String(id),
    accessToken,
    as: (method: string, path: string, body?: unknown) =>
      call(world.platform.base, accessToken, method, path, body),
  }
}

describe('a service account’s access token on the admin API', () => {
  it('issues a key in its organization as itself, and is refused in another (404) and beyond its roles (403)', async () => {
    const acme = await organization('Acme')
    const globex = await organization('Globex')
    const admin = await signedIn(acme, ['org_admin'])

    const issued = await admin.as('POST', '/admin/v1/api-keys', { organization_id: acme, name: 'ci' })
    expect(issued.status, JSON.stringify(issued.body)).toBe(201)
    const { rows } = await world.handle.db.query<{ actor: string }>(
      `SELECT metadata->>'actor' AS actor FROM events WHERE type = 'ApiKeyIssued'`,
    )
    expect(rows).toEqual([{ actor: `service-account:${admin.id}` }])

    const foreign = await admin.as('POST', '/admin/v1/api-keys', { organization_id: globex, name: 'ci' })
    expect(foreign.status).toBe(404)
    expect((await admin.as('GET', `/admin/v1/organizations/${globex}`)).status).toBe(404)
    expect(
      (
        await admin.as(
          'GET',
          `/analytics/v1/usage?organization_id=${globex}&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z`,
        )
      ).status,
    ).toBe(404)

    const analyst = await signedIn(acme, ['analyst'])
    const refused = await analyst.as('POST', '/admin/v1/api-keys', { organization_id: acme, name: 'x' })
    expect(refused.status).toBe(403)
    const usage = await analyst.as(
      'GET',
      `/analytics/v1/usage?organization_id=${acme}&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z`,
    )
    expect(usage.status, JSON.stringify(usage.body)).toBe(200)
  })

  it('stops working when the account is revoked', async () => {
    const acme = await organization('Acme')
    const admin = await signedIn(acme, ['org_admin'])
    expect((await admin.as('GET', `/admin/v1/api-keys?organization_id=${acme}`)).status).toBe(200)
    expect((await asAdmin('POST', `/service-accounts/${admin.id}/revoke`)).status).toBe(200)
    await vi.waitFor(
      async () =>
        expect((await admin.as('GET', `/admin/v1/api-keys?organization_id=${acme}`)).status).toBe(401),
      {
        timeout: 20_000,
      },
    )
  })

  it('is taken by a separate analytics process, which fetches the issuer’s JWKS over HTTP', async () => {
    const acme = await organization('Acme')
    const globex = await organization('Globex')
    const analyst = await signedIn(acme, ['analyst'])
    const jwks = new URL(`${world.platform.base}/oauth2/jwks`)
    const analytics = await startSeparateAnalytics(world.handle.db, jwks)
    const usage = (organization_id: string) =>
      call(
        analytics,
        analyst.accessToken,
        'GET',
        `/analytics/v1/usage?organization_id=${organization_id}&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z`,
      )
    expect((await usage(acme)).status).toBe(200)
    expect((await usage(globex)).status).toBe(404)
    expect((await call(analytics, `${analyst.accessToken}x`, 'GET', '/analytics/v1/usage')).status).toBe(401)
  })

  it('answers 503 issuer_unavailable, not 401 or 500, while a separate process cannot fetch the JWKS', async () => {
    const acme = await organization('Acme')
    const analyst = await signedIn(acme, ['analyst'])
    // Nothing listens there: the identity process is down.
    const jwks = new URL(`http://127.0.0.1:${await freePort()}/oauth2/jwks`)
    const analytics = await startSeparateAnalytics(world.handle.db, jwks)
    const path = `/analytics/v1/usage?organization_id=${acme}&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z`
    const refused = await call(analytics, analyst.accessToken, 'GET', path)
    expect(refused.status).toBe(503)
    expect(refused.body).toMatchObject({ code: 'ISSUER_UNAVAILABLE' })
    expect((await call(analytics, PLATFORM_ADMIN_TOKEN, 'GET', path)).status).toBe(200)
  })

  it('answers 401 to a token signed by another key, expired, or for another audience', async () => {
    const acme = await organization('Acme')
    const admin = await signedIn(acme, ['org_admin'])
    const [stored] = await loadSigningKeys(world.handle.db, world.platform.secrets)
    if (!stored) throw new Error('no signing key')
    const ours = await importJWK(stored, 'ES256')
    const theirs = (await generateKeyPair('ES256')).privateKey
    const sign = (key: Parameters<SignJWT['sign']>[0], aud: string, exp: string | number) =>
      new SignJWT({ client_id: admin.id, organization_id: acme, roles: ['org_admin'] })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: stored.kid })
        .setSubject(admin.id)
        .setIssuer(PLATFORM_ISSUER)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(key)
    const path = `/admin/v1/api-keys?organization_id=${acme}`
    // The control: our key, our audience, not expired, passes; each refusal changes one thing.
    expect(
      (await call(world.platform.base, await sign(ours, ADMIN_API_AUDIENCE, '5m'), 'GET', path)).status,
    ).toBe(200)
    for (const token of [
      await sign(theirs, ADMIN_API_AUDIENCE, '5m'),
      await sign(ours, ADMIN_API_AUDIENCE, Math.floor(Date.now() / 1000) - 60),
      await sign(ours, 'urn:elsewhere', '5m'),
    ]) {
      const refused = await call(world.platform.base, token, 'GET', path)
      expect(refused.status).toBe(401)
      expect(refused.body.code).toBe('UNAUTHENTICATED')
    }
  })
})
