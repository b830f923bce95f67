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
import { type FindClient, issuerClients } from '../../infra/oidc/clients.ts'
import { type PrivateJwk, SIGNING_ALG } from '../../infra/oidc/signing-keys.ts'
import { ADMIN_SCOPE } from '../http/access-tokens.ts'
import { sameSecret } from '../http/bearer.ts'

// The OAuth2 / OIDC issuer (oidc-provider), mounted at /oauth2 (routes.ts). Machines: service
// accounts get short-lived JWT access tokens with client_credentials. People: the built-in public
// client `aiaas-console` signs them in with authorization code + PKCE through our own interaction
// pages (interactions/), with rotating refresh tokens. Every access token is a JWT for one
// resource server, the admin (and analytics) API. docs/adr/0015-oidc-issuer.md.

/** The audience (RFC 8707 resource indicator) of every access token for the admin and analytics APIs. */
export const ADMIN_API_AUDIENCE = 'urn:aiaas:admin-api'
/** How long an access token lives: a revoked or rotated account's tokens stop within this. */
export const ACCESS_TOKEN_TTL_SECONDS = 300

/** A person as the ID token's claims need it (rm_users); null: unknown or disabled. */
export interface Person {
  email: string
  display_name: string
}

/** How long a person stays signed in, and their grant and refresh tokens last. */
export const SESSION_TTL_SECONDS = 14 * 24 * 3600
/** How long a person has to finish the sign-in pages. */
export const INTERACTION_TTL_SECONDS = 30 * 60

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
  /** A person by user id: refresh tokens and ID tokens of a disabled user stop working. */
  findPerson: (userId: string) => Promise<Person | null>
}

const adminApi: ResourceServer = {
  scope: ADMIN_SCOPE,
  audience: ADMIN_API_AUDIENCE,
  accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
  accessTokenFormat: 'jwt',
  jwt: { sign: { alg: SIGNING_ALG } },
}

/** Cookie keys derived from each signing key: the same on every replica, nothing more to store. */
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

/** oidc-provider's account: the user id as `sub`, with the claims of the scopes granted. */
async function findPersonAccount(options: IssuerOptions, sub: string) {
  const person = await options.findPerson(sub)
  if (!person) return undefined
  return {
    accountId: sub,
    claims: async () => ({ sub, email: person.email, email_verified: true, name: person.display_name }),
  }
}

function configuration(options: IssuerOptions): Configuration {
  if (options.keys.length === 0) throw new Error('the issuer needs a signing key')
  const clients = issuerClients(options.findClient, options.issuer)
  const base = new URL(options.issuer).pathname.replace(/\/$/, '')
  return {
    adapter: (model: string) => (model === 'Client' ? clients : options.store(model)),
    jwks: { keys: options.keys },
    // The first signs, all verify: a key rotation does not break a sign-in in progress.
    cookies: { keys: options.keys.map(cookieKey) },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    clientDefaults: {
      id_token_signed_response_alg: SIGNING_ALG,
      grant_types: ['client_credentials'],
      response_types: [],
    },
    scopes: ['openid', 'offline_access', ADMIN_SCOPE],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    ttl: {
      ClientCredentials: ACCESS_TOKEN_TTL_SECONDS,
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      IdToken: ACCESS_TOKEN_TTL_SECONDS,
      Interaction: INTERACTION_TTL_SECONDS,
      Session: SESSION_TTL_SECONDS,
      Grant: SESSION_TTL_SECONDS,
      RefreshToken: SESSION_TTL_SECONDS,
    },
    rotateRefreshToken: true,
    interactions: { url: async (_ctx, interaction) => `${base}/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => findPersonAccount(options, sub),
    // The claims the admin API's authentication turns into a Subject (gateways/http/access-tokens.ts):
    // a service account's organization and roles; for a person, the grant their token came from,
    // so a revoked grant's tokens are refused before they expire.
    extraTokenClaims: async (_ctx: KoaContextWithOIDC, token) => {
      if (token.kind === 'AccessToken' && token.grantId) return { gid: token.grantId }
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
