import { importJWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../domain/errors.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { ADMIN_API_AUDIENCE } from '../../../gateways/oauth2/issuer.ts'
import { mountIssuer } from '../../../gateways/oauth2/mount.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import type { OidcStore } from '../../../infra/oidc/adapter.ts'
import { memoryStore } from '../../../infra/oidc/memory-store.ts'
import { loadSigningKeys } from '../../../infra/oidc/signing-keys.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'

// The issuer's store not answering, without a network: its endpoints answer 503
// temporarily_unavailable, and the APIs' check of a person's token (its grant, in the store) is 503
// ISSUER_UNAVAILABLE rather than a 500. Against a real stopped Redis: issuer-faults.int.test.ts.
const ISSUER = 'http://issuer.test/oauth2'
const keyring = parseKeyring(newKeyringText('k1'))
let handle: TestDatabase
beforeAll(async () => {
  handle = await makePglite()
})
afterAll(() => handle.dispose())

const down: OidcStore = () => {
  const fail = async (): Promise<never> => {
    throw new AppError('OIDC_STORE_UNAVAILABLE', 'OIDC store unavailable: connection refused')
  }
  return {
    upsert: fail,
    find: fail,
    findByUid: fail,
    findByUserCode: fail,
    consume: fail,
    destroy: fail,
    revokeByGrantId: fail,
  }
}

async function issuerOn(store: OidcStore) {
  const secrets = createSecretBox(handle.db, keyring)
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('oauth2-faults-unit') })
  const verify = await mountIssuer(app, { db: handle.db, secrets, store }, ISSUER)
  await app.ready()
  const [key] = await loadSigningKeys(handle.db, secrets)
  if (!key) throw new Error('no signing key')
  // A person's access token as the issuer signs it: its grant is looked up in the store.
  const personToken = await new SignJWT({ client_id: 'aiaas-console', gid: 'grant-1', scope: 'openid admin' })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(ADMIN_API_AUDIENCE)
    .setSubject('0190a8e2-0000-7000-8000-000000000001')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(await importJWK(key, 'ES256'))
  return { app, verify, personToken }
}

describe('the issuer when its store does not answer', () => {
  it('answers introspection 503 temporarily_unavailable in OAuth shape', async () => {
    const { app } = await issuerOn(down)
    const response = await app.inject({
      method: 'POST',
      url: '/oauth2/token/introspection',
      headers: { host: 'issuer.test', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=no-such-opaque-token-0123456789abcdef&client_id=aiaas-console',
    })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.any(String),
    })
    await app.close()
  })

  it('makes a person’s token ISSUER_UNAVAILABLE for the APIs (not a 500, not a refusal)', async () => {
    const { app, verify, personToken } = await issuerOn(down)
    await expect(verify(personToken)).rejects.toMatchObject({ code: 'ISSUER_UNAVAILABLE' })
    await app.close()
    // The same token with the store up: its grant is not there, so it is no token at all.
    const up = await issuerOn(memoryStore())
    await expect(up.verify(up.personToken)).resolves.toBeNull()
    await up.app.close()
  })
})
