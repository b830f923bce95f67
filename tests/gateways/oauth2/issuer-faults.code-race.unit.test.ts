import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { consumingOnce } from '../../../gateways/oauth2/consume-once.ts'
import { ADMIN_API_AUDIENCE } from '../../../gateways/oauth2/issuer.ts'
import { openIssuer } from '../../../gateways/oauth2/open-issuer.ts'
import { oauth2Routes } from '../../../gateways/oauth2/routes.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import type { OidcStore } from '../../../infra/oidc/adapter.ts'
import { CONSOLE_CLIENT_ID } from '../../../infra/oidc/clients.ts'
import { sqlStore } from '../../../infra/oidc/sql-store.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { type UsersClient, usersClient } from '../admin/users-client.ts'

// One authorization code redeemed twice at the same instant: oidc-provider reads it unconsumed in
// both requests (held at a barrier until both have read it); the store's compare-and-set consume fails the second, which then revokes the
// grant, so the first redemption's tokens stop too (consume-once.ts). The code is minted with
// oidc-provider's own models (the sign-in pages that would issue it are another suite's).
const ISSUER = 'http://issuer.test/oauth2'
const REDIRECT = 'http://issuer.test/console/callback'
let handle: TestDatabase
let admin: UsersClient
beforeAll(async () => {
  handle = await makePglite()
  admin = await usersClient(handle.db)
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

/** Holds the first two reads of an authorization code until both have read it: both see it unconsumed. */
function bothReadTheCode(store: OidcStore): OidcStore {
  let reads = 0
  let release = () => {}
  const bothRead = new Promise<void>((resolve) => {
    release = resolve
  })
  return (model) => {
    const adapter = store(model)
    if (model !== 'AuthorizationCode') return adapter
    return {
      ...adapter,
      async find(id) {
        const found = await adapter.find(id)
        if (++reads === 2) release()
        if (reads <= 2) await bothRead
        return found
      },
    }
  }
}

async function issuerWithCode() {
  const secrets = createSecretBox(handle.db, parseKeyring(newKeyringText('k1')))
  const store = consumingOnce(bothReadTheCode(sqlStore(handle.db)))
  const issuer = await openIssuer(handle.db, secrets, ISSUER, store)
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('oauth2-race-test') })
  await app.register(oauth2Routes, { prefix: '/oauth2', provider: issuer.provider })
  await app.ready()
  const userId = await admin.user()
  await vi.waitFor(async () => expect((await admin.call('GET', `/users/${userId}`)).status).toBe(200))
  const { provider } = issuer
  const grant = new provider.Grant({ accountId: userId, clientId: CONSOLE_CLIENT_ID })
  grant.addOIDCScope('openid offline_access')
  grant.addResourceScope(ADMIN_API_AUDIENCE, 'admin')
  const grantId = await grant.save()
  const verifier = randomBytes(32).toString('base64url')
  const client = await provider.Client.find(CONSOLE_CLIENT_ID)
  if (!client) throw new Error('no console client')
  const code = await new provider.AuthorizationCode({
    accountId: userId,
    client,
    gty: 'authorization_code',
    grantId,
    scope: 'openid offline_access admin',
    resource: ADMIN_API_AUDIENCE,
    redirectUri: REDIRECT,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
  }).save()
  const token = async (form: Record<string, string>) => {
    const response = await app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { host: 'issuer.test', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...form, client_id: CONSOLE_CLIENT_ID }).toString(),
    })
    return { status: response.statusCode, body: response.json() as Record<string, string> }
  }
  const redeem = () =>
    token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT })
  const refresh = (refresh_token: string) => token({ grant_type: 'refresh_token', refresh_token })
  return { app, issuer, grantId, redeem, refresh }
}

describe('an authorization code redeemed twice at once', () => {
  it('gives tokens once; the other fails invalid_grant and revokes what the first got', async () => {
    const { app, issuer, grantId, redeem, refresh } = await issuerWithCode()
    const answers = await Promise.all([redeem(), redeem()])
    const won = answers.filter((answer) => answer.status === 200)
    const lost = answers.filter((answer) => answer.status !== 200)
    expect(won, JSON.stringify(answers)).toHaveLength(1)
    expect(lost[0]).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    const tokens = won[0]?.body ?? {}
    expect(await issuer.provider.Grant.find(grantId)).toBeUndefined()
    expect(await issuer.verifyAccessToken(String(tokens.access_token))).toBeNull()
    expect(tokens.refresh_token).toEqual(expect.any(String))
    expect(await refresh(String(tokens.refresh_token))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    })
    await app.close()
  })
})
