import { decodeProtectedHeader } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { addSigningKey } from '../../../infra/oidc/signing-keys.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { usersClient } from '../admin/users-client.ts'
import { startIssuerApp } from './issuer-app.ts'

// Rotating the signing key (`aiaas secrets rotate-signing-key`): an issuer started after it signs
// with the new key, publishes both, and still accepts the tokens the old key signed.
const makeDb = makePostgres('oauth2_rotation')
let handle: TestDatabase
let admin: Awaited<ReturnType<typeof usersClient>>
beforeEach(async () => {
  handle = await makeDb()
  admin = await usersClient(handle.db)
})
afterEach(async () => {
  await admin?.close()
  await handle?.dispose()
})

describe('signing key rotation', () => {
  it('signs with the new key; tokens of the old one still verify, and replicas started before accept the new', async () => {
    const secrets = createSecretBox(handle.db, parseKeyring(newKeyringText('k1')))
    const organization_id = await admin.organization()
    const made = (
      await admin.call('POST', '/service-accounts', { organization_id, name: 'ci', roles: ['analyst'] })
    ).body
    await vi.waitFor(async () =>
      expect((await admin.call('GET', `/service-accounts/${made.id}`)).status).toBe(200),
    )

    const before = await startIssuerApp(handle.db, secrets)
    const old = await before.token(made.client_id, made.client_secret)
    expect(old.status).toBe(200)
    const oldKid = decodeProtectedHeader(String(old.body.access_token)).kid

    const added = await addSigningKey(handle.db, secrets)
    const after = await startIssuerApp(handle.db, secrets)
    const fresh = await after.token(made.client_id, made.client_secret)
    expect(decodeProtectedHeader(String(fresh.body.access_token)).kid).toBe(added.kid)
    expect(added.kid).not.toBe(oldKid)

    const jwks = await after.app.inject({ url: '/oauth2/jwks', headers: { host: 'issuer.test' } })
    expect((jwks.json() as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual([added.kid, oldKid])
    const subject = { actor: `service-account:${made.id}` }
    expect(await after.issuer.verifyAccessToken(String(old.body.access_token))).toMatchObject(subject)
    expect(await after.issuer.verifyAccessToken(String(fresh.body.access_token))).toMatchObject(subject)
    // A replica started before the rotation re-reads the keys for the unknown key id.
    expect(await before.issuer.verifyAccessToken(String(fresh.body.access_token))).toMatchObject(subject)
  })
})
