import type { Config } from '../../infra/config/config.ts'
import type { OidcStore } from '../../infra/oidc/adapter.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { findServiceAccount } from '../../projections/service-accounts/queries.ts'
import { userSubject } from '../../projections/users/sign-in.ts'
import { type AccessTokenVerifier, createAccessTokenVerifier } from '../http/access-tokens.ts'
import { ADMIN_API_AUDIENCE } from './issuer.ts'
import { issuerUrl } from './mount.ts'
import { asIssuerUnavailable } from './store-unavailable.ts'

/**
 * Where `aiaas identity` serves the issuer's JWKS to the other processes: AIAAS_IDENTITY_URL, else
 * its own bind address (AIAAS_HOST, AIAAS_IDENTITY_PORT), which a container cannot use (0.0.0.0).
 */
export function identityJwksUrl(config: Config): URL {
  const base = config.AIAAS_IDENTITY_URL ?? `http://${config.AIAAS_HOST}:${config.AIAAS_IDENTITY_PORT}`
  return new URL('oauth2/jwks', base.endsWith('/') ? base : `${base}/`)
}

/**
 * The verifier of a process without the issuer (a separate `aiaas analytics`): the issuer's JWKS
 * fetched from `aiaas identity` (identityJwksUrl) and cached
 * by jose, refetched for an unknown key id; the service account and the person checked in the
 * shared read model, and a person's grant in the issuer's shared store when there is one.
 */
export function remoteAccessTokenVerifier(
  config: Config,
  db: Sql,
  jwksUrl = identityJwksUrl(config),
  store?: OidcStore,
): AccessTokenVerifier {
  return createAccessTokenVerifier({
    issuer: issuerUrl(config, config.AIAAS_IDENTITY_PORT),
    audience: ADMIN_API_AUDIENCE,
    keys: jwksUrl,
    isActive: async (id) => (await findServiceAccount(db, id))?.status === 'active',
    userSubject: (id) => userSubject(db, id),
    // Without the issuer's store, a person's token of a revoked grant lives out its 300 s.
    grantStands:
      store &&
      (async (grantId) => (await store('Grant').find(grantId).catch(asIssuerUnavailable)) !== undefined),
  })
}
