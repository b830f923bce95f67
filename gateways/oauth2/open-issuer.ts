import type { Provider } from 'oidc-provider'
import type { OidcStore } from '../../infra/oidc/adapter.ts'
import { loadSigningKeys, publicJwk } from '../../infra/oidc/signing-keys.ts'
import type { Database } from '../../infra/ports/database.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { findServiceAccount, findServiceAccountClient } from '../../projections/service-accounts/queries.ts'
import { signInPerson, userSubject } from '../../projections/users/sign-in.ts'
import { type AccessTokenVerifier, createAccessTokenVerifier } from '../http/access-tokens.ts'
import { ADMIN_API_AUDIENCE, createIssuer } from './issuer.ts'
import { asIssuerUnavailable } from './store-unavailable.ts'

export interface OpenedIssuer {
  provider: Provider
  /** Verifies this issuer's access tokens with its own keys (no network hop). */
  verifyAccessToken: AccessTokenVerifier
}

/**
 * The issuer on a database: its signing keys opened with the secret box (generated and stored
 * sealed on the first start), clients from rm_service_accounts. Needs a key-encryption key: the
 * secret box refuses (SECRETS_UNAVAILABLE) without one, and no key is ever kept in plaintext.
 */
export async function openIssuer(
  db: Database,
  secrets: SecretBox,
  issuer: string,
  store: OidcStore,
): Promise<OpenedIssuer> {
  const keys = await loadSigningKeys(db, secrets)
  const findClient = (clientId: string) => findServiceAccountClient(db, clientId)
  const findPerson = (userId: string) => signInPerson(db, userId)
  const provider = createIssuer({ issuer, keys, findClient, store, findAccount: findClient, findPerson })
  const verifyAccessToken = createAccessTokenVerifier({
    issuer,
    audience: ADMIN_API_AUDIENCE,
    keys: keys.map(publicJwk),
    isActive: async (id) => (await findServiceAccount(db, id))?.status === 'active',
    userSubject: (id) => userSubject(db, id),
    // oidc-provider destroys a grant when its code is replayed or its refresh token revoked.
    grantStands: async (grantId) =>
      (await store('Grant').find(grantId).catch(asIssuerUnavailable)) !== undefined,
    // A key added by a rotation since this process started: tokens other replicas sign with it.
    reloadKeys: async () => (await loadSigningKeys(db, secrets)).map(publicJwk),
  })
  return { provider, verifyAccessToken }
}
