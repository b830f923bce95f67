import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../../support/embedded.ts'

// `aiaas dev` serves the issuer on its one port: discovery, JWKS and client_credentials over real
// HTTP, for a service account created through the admin API.
let platform: Awaited<ReturnType<typeof startEmbedded>>
beforeAll(async () => {
  platform = await startEmbedded()
})
afterAll(async () => {
  await platform?.stop()
})

const admin = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${platform.base}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, string> }
}

describe('the issuer in aiaas dev', () => {
  it('answers discovery at /oauth2 with its own endpoints, and publishes a JWKS', async () => {
    const discovery = await fetch(`${platform.base}/oauth2/.well-known/openid-configuration`)
    expect(discovery.status).toBe(200)
    const document = (await discovery.json()) as Record<string, string>
    expect(document.token_endpoint).toBe(`${platform.base}/oauth2/token`)
    expect(document.issuer).toBe(`${platform.base}/oauth2`)
    const jwks = (await (await fetch(String(document.jwks_uri))).json()) as { keys: unknown[] }
    expect(jwks.keys).toHaveLength(1)
  })

  it('gives a service account an access token with client_credentials (basic auth)', async () => {
    const organization = await admin('POST', '/organizations', { name: 'Acme' })
    const made = await admin('POST', '/service-accounts', {
      organization_id: organization.body.id,
      name: 'ci',
      roles: ['org_admin'],
    })
    expect(made.status).toBe(201)
    const { client_id, client_secret } = made.body
    const response = await fetch(`${platform.base}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    })
    const body = (await response.json()) as Record<string, unknown>
    expect(response.status, JSON.stringify(body)).toBe(200)
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300 })
    const [, payload] = String(body.access_token).split('.')
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toMatchObject({
      iss: `${platform.base}/oauth2`,
      aud: 'urn:aiaas:admin-api',
      sub: client_id,
      organization_id: organization.body.id,
      roles: ['org_admin'],
    })
  })
})
