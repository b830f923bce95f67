import { hkdfSync } from 'node:crypto'
import {
  type Configuration,
  errors,
  type KoaContextWithOIDC,
  Provider,
  type ResourceServer,
} from 'oidc-provider'
import { hashClientSecret } from '../../domain/service-accounts/client-secret.ts'
import type { OrganizationRole } from '../../domain/users/user.ts'
import type { OidcStore } from '../../infra/oidc/adapter.ts'
import { type FindClient, serviceAccountClients } from '../../infra/oidc/clients.ts'
import { type PrivateJwk, SIGNING_ALG } from '../../infra/oidc/signing-keys.ts'
import { sameSecret } from '../http/bearer.ts'

// The OAuth2 / OIDC issuer (oidc-provider), mounted at /oauth2 (routes.ts). Today it serves
// machines: service accounts get short-lived JWT access tokens with client_credentials, for one
// resource server, the admin (and analytics) API. docs/adr/0015-oidc-issuer.md.

/** The audience (RFC 8707 resource indicator) of every access token for the admin and analytics APIs. */
export const ADMIN_API_AUDIENCE = 'urn:aiaas:admin-api'
/** How long an access token lives: a revoked or rotated account's tokens stop within this. */
export const ACCESS_TOKEN_TTL_SECONDS = 300

/** A service account as the token's claims need it (rm_service_accounts, via the gateway). */
export interface TokenAccount {
  organization_id: string
  roles: readonly OrganizationRole[]
}

export interface IssuerOptions {
  /** e.g. `http://127.0.0.1:8081/oauth2`: the `iss` of every token, and where discovery lives. */
  issuer: string
  /** Newest first: the first signs, all are published. */
  keys: readonly PrivateJwk[]
  findClient: FindClient
  /** Where every model but clients is kept (grants, sessions, interactions, codes, tokens). */
  store: OidcStore
  findAccount: (clientId: string) => Promise<TokenAccount | null>
}

const adminApi: ResourceServer = {
  scope: 'admin',
  audience: ADMIN_API_AUDIENCE,
  accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
  accessTokenFormat: 'jwt',
  jwt: { sign: { alg: SIGNING_ALG } },
}

/** Cookie keys derived from the signing key: the same on every replica, nothing more to store. */
function cookieKey(key: PrivateJwk): string {
  const derived = hkdfSync(
    'sha256',
    Buffer.from(key.d, 'base64url'),
    Buffer.alloc(0),
    'aiaas-oidc-cookies',
    32,
  )
  return Buffer.from(derived).toString('base64url')
}

function configuration(options: IssuerOptions): Configuration {
  const first = options.keys[0]
  if (!first) throw new Error('the issuer needs a signing key')
  const clients = serviceAccountClients(options.findClient)
  return {
    adapter: (model: string) => (model === 'Client' ? clients : options.store(model)),
    jwks: { keys: options.keys },
    cookies: { keys: [cookieKey(first)] },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    clientDefaults: {
      id_token_signed_response_alg: SIGNING_ALG,
      grant_types: ['client_credentials'],
      response_types: [],
    },
    scopes: ['admin'],
    ttl: { ClientCredentials: ACCESS_TOKEN_TTL_SECONDS },
    findAccount: async () => undefined,
    // The claims the admin API's authentication turns into a Subject (gateways/http/authenticate.ts).
    extraTokenClaims: async (_ctx: KoaContextWithOIDC, token) => {
      if (token.kind !== 'ClientCredentials' || !token.clientId) return undefined
      const account = await options.findAccount(token.clientId)
      return account ? { organization_id: account.organization_id, roles: [...account.roles] } : undefined
    },
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => ADMIN_API_AUDIENCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== ADMIN_API_AUDIENCE) throw new errors.InvalidTarget('unknown resource')
          return adminApi
        },
      },
    },
  }
}

export function createIssuer(options: IssuerOptions): Provider {
  const provider = new Provider(options.issuer, configuration(options))
  // A client's stored `client_secret` is the SHA-256 of its secret (only the hash is ever
  // stored), so the presented secret is hashed before the constant-time comparison.
  provider.Client.prototype.compareClientSecret = function compare(this: { clientSecret?: string }, actual) {
    return typeof this.clientSecret === 'string' && sameSecret(hashClientSecret(actual), this.clientSecret)
  }
  return provider
}
