import { generateKeyPair, importJWK, SignJWT } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ADMIN_API_AUDIENCE } from '../../../gateways/oauth2/issuer.ts'
import { loadSigningKeys } from '../../../infra/oidc/signing-keys.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { usersClient } from '../admin/users-client.ts'
import { ISSUER, startIssuerApp } from './issuer-app.ts'

const makeDb = makePostgres('oauth2')
let handle: TestDatabase
let admin: Awaited<ReturnType<typeof usersClient>>
beforeEach(async () => {
  handle = await makeDb()
  admin = await usersClient(handle.db)
})
/** Waits until the read model shows the account as `expected` (a slow projector must not fail a test). */
async function projected(id: string, expected: Record<string, unknown>) {
  await vi.waitFor(
    async () => expect((await admin.call('GET', `/service-accounts/${id}`)).body).toMatchObject(expected),
    { timeout: 20_000, interval: 50 },
  )
}

async function newAccount(roles: string[]) {
  const organization_id = await admin.organization()
  const made = await admin.call('POST', '/service-accounts', { organization_id, name: 'ci', roles })
  expect(made.status).toBe(201)
  await projected(made.body.id, { status: 'active' })
  return { organization_id, ...(made.body as { id: string; client_id: string; client_secret: string }) }
}

afterEach(async () => {
  await admin?.close()
  await handle?.dispose()
})

describe('POST /oauth2/token with client_credentials', () => {
  it('gives a service account a JWT access token for the admin API, with its organization and roles', async () => {
    const issuer = await startIssuerApp(handle.db)
    const made = await newAccount(['org_admin'])
    const got = await issuer.token(made.client_id, made.client_secret)
    expect(got.status, JSON.stringify(got.body)).toBe(200)
    expect(got.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 })
    const subject = await issuer.issuer.verifyAccessToken(String(got.body.access_token))
    expect(subject).toEqual({
      actor: `service-account:${made.id}`,
      kind: 'service_account',
      platform_admin: false,
      memberships: { [made.organization_id]: ['org_admin'] },
    })
  })
})

describe('client secrets', () => {
  it('refuses a wrong secret; a rotated secret replaces the old; a revoked account gets no token and its tokens stop', async () => {
    const issuer = await startIssuerApp(handle.db)
    const made = await newAccount(['analyst'])
    const wrong = await issuer.token(made.client_id, `${made.client_secret}x`)
    expect(wrong.status).toBe(401)
    expect(wrong.body.error).toBe('invalid_client')

    const before = await issuer.token(made.client_id, made.client_secret)
    expect(before.status).toBe(200)
    const rotated = (await admin.call('POST', `/service-accounts/${made.id}/rotate-secret`)).body
    await projected(made.id, { rotated_at: rotated.rotated_at })
    expect((await issuer.token(made.client_id, made.client_secret)).status).toBe(401)
    const after = await issuer.token(made.client_id, rotated.client_secret)
    expect(after.status).toBe(200)

    expect((await admin.call('POST', `/service-accounts/${made.id}/revoke`)).status).toBe(200)
    await projected(made.id, { status: 'revoked' })
    const refused = await issuer.token(made.client_id, rotated.client_secret)
    expect(refused.status).toBe(401)
    expect(refused.body.error).toBe('invalid_client')
    expect(await issuer.issuer.verifyAccessToken(String(after.body.access_token))).toBeNull()
  })

  it('refuses a resource other than the admin API', async () => {
    const issuer = await startIssuerApp(handle.db)
    const made = await newAccount(['analyst'])
    const other = await issuer.token(made.client_id, made.client_secret, { resource: 'urn:elsewhere' })
    expect(other.status).toBe(400)
    expect(other.body.error).toBe('invalid_target')
  })
})

describe('introspection and revocation', () => {
  it('are served, and refuse a JWT access token as a structured token they cannot look up (unsupported_token_type)', async () => {
    const issuer = await startIssuerApp(handle.db)
    const made = await newAccount(['analyst'])
    const got = await issuer.token(made.client_id, made.client_secret)
    const form = (path: string, fields: Record<string, string>) =>
      issuer.app.inject({
        method: 'POST',
        url: `/oauth2/${path}`,
        headers: {
          authorization: `Basic ${Buffer.from(`${made.client_id}:${made.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          host: 'issuer.test',
        },
        payload: new URLSearchParams(fields).toString(),
      })
    const introspected = await form('token/introspection', { token: String(got.body.access_token) })
    expect(introspected.statusCode).toBe(400)
    expect(introspected.json()).toMatchObject({ error: 'unsupported_token_type' })
    const revoked = await form('token/revocation', { token: String(got.body.access_token) })
    expect(revoked.statusCode, revoked.body).toBe(400)
    expect(revoked.json()).toMatchObject({ error: 'unsupported_token_type' })
    // An unknown opaque token is answered as the RFCs say: inactive, and revoked (nothing to do).
    expect((await form('token/introspection', { token: 'unknown' })).json()).toEqual({ active: false })
    expect((await form('token/revocation', { token: 'unknown' })).statusCode).toBe(200)
  })
})

describe('access token verification', () => {
  it('refuses a token signed by another key, expired, for another audience or issuer, or not a client token', async () => {
    const issuer = await startIssuerApp(handle.db)
    const made = await newAccount(['org_admin'])
    const [stored] = await loadSigningKeys(handle.db, issuer.secrets)
    if (!stored) throw new Error('no signing key')
    const ours = await importJWK(stored, 'ES256')
    const theirs = (await generateKeyPair('ES256')).privateKey
    const claims = { client_id: made.client_id, organization_id: made.organization_id, roles: ['org_admin'] }
    const sign = (
      key: Parameters<SignJWT['sign']>[0],
      fields: { aud?: string; iss?: string; exp?: string | number; sub?: string } = {},
    ) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: stored.kid })
        .setSubject(fields.sub ?? made.client_id)
        .setIssuer(fields.iss ?? ISSUER)
        .setAudience(fields.aud ?? ADMIN_API_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(fields.exp ?? '5m')
        .sign(key)
    const verify = issuer.issuer.verifyAccessToken
    // The control: the same claims signed by our key pass, so each refusal below is its one change.
    expect(await verify(await sign(ours))).toMatchObject({ actor: `service-account:${made.id}` })
    expect(await verify(await sign(theirs))).toBeNull()
    expect(await verify(await sign(ours, { exp: Math.floor(Date.now() / 1000) - 60 }))).toBeNull()
    expect(await verify(await sign(ours, { aud: 'urn:elsewhere' }))).toBeNull()
    expect(await verify(await sign(ours, { iss: 'http://evil.test/oauth2' }))).toBeNull()
    expect(await verify(await sign(ours, { sub: 'someone-else' }))).toBeNull()
    expect(await verify('not-a-jwt')).toBeNull()
  })
})

describe('signing keys at rest', () => {
  it('are never in plaintext in any table of the database', async () => {
    const issuer = await startIssuerApp(handle.db)
    const [stored] = await loadSigningKeys(handle.db, issuer.secrets)
    if (!stored) throw new Error('no signing key')
    const { rows: tables } = await handle.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    )
    expect(tables.map((t) => t.table_name)).toContain('oidc_signing_keys')
    for (const { table_name } of tables) {
      const { rows } = await handle.db.query<{ row: string }>(`SELECT t::text AS row FROM ${table_name} t`)
      const text = rows.map((r) => r.row).join('\n')
      expect(text, table_name).not.toContain(stored.d)
      expect(text, table_name).not.toContain(Buffer.from(stored.d, 'base64url').toString('hex'))
    }
    const { rows } = await handle.db.query('SELECT kid FROM oidc_signing_keys')
    expect(rows).toEqual([{ kid: stored.kid }])
  })
})

describe('discovery and JWKS', () => {
  it('publish the token endpoint under /oauth2 and only public keys', async () => {
    const { app } = await startIssuerApp(handle.db)
    const discovery = await app.inject({
      url: '/oauth2/.well-known/openid-configuration',
      headers: { host: 'issuer.test' },
    })
    expect(discovery.statusCode).toBe(200)
    const document = discovery.json()
    expect(document).toMatchObject({ issuer: ISSUER, token_endpoint: `${ISSUER}/token` })
    expect(document.grant_types_supported).toContain('client_credentials')
    const jwks = await app.inject({ url: '/oauth2/jwks', headers: { host: 'issuer.test' } })
    expect(jwks.statusCode).toBe(200)
    const { keys } = jwks.json() as { keys: Record<string, unknown>[] }
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(keys[0]).not.toHaveProperty('d')
  })
})
