import type { OidcAdapter, Payload } from './adapter.ts'

// The clients the issuer knows: the built-in console client for people, and service accounts
// (client_credentials) found in our read models.

/** What the issuer needs of a client: found by client_id (rm_service_accounts, via the gateway). */
export interface StoredClient {
  client_id: string
  /** SHA-256 (hex) of the client secret. */
  secret_hash: string
  active: boolean
}

export type FindClient = (clientId: string) => Promise<StoredClient | null>

/** The first-party client people sign in with (the console, the CLI, native apps). */
export const CONSOLE_CLIENT_ID = 'aiaas-console'
/** The path of loopback redirects (RFC 8252 §7.3): any port, on 127.0.0.1 or [::1]. */
export const LOOPBACK_CALLBACK_PATH = '/callback'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * The console's redirect URIs: `<issuer origin>/console/callback`, and loopback URIs, whose port
 * oidc-provider ignores for a `native` client (RFC 8252 §7.3). A native client may register http
 * only on a loopback host, so an http issuer elsewhere (a test host name) has no console callback.
 */
export function consoleRedirectUris(issuer: string): string[] {
  const origin = new URL(issuer)
  const callback = new URL('/console/callback', origin.origin).href
  const usable = origin.protocol === 'https:' || LOOPBACK_HOSTS.has(origin.hostname)
  const loopbacks = ['127.0.0.1', '[::1]'].map((host) => `http://${host}${LOOPBACK_CALLBACK_PATH}`)
  return [...(usable && !loopbacks.includes(callback) ? [callback] : []), ...loopbacks]
}

/** What the console asks for (served to it in /console/config.json): the admin API and a refresh token. */
export const CONSOLE_SCOPE = 'openid email profile offline_access admin'

/**
 * The console client: public (no secret: it runs where a secret cannot be kept), so PKCE (S256)
 * is required by the issuer; authorization code and refresh tokens; native, for loopback ports.
 */
export function consoleClient(issuer: string): Payload {
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'AIaaS console',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: consoleRedirectUris(issuer),
    scope: CONSOLE_SCOPE,
  }
}

function serviceAccountClient(account: StoredClient): Payload {
  return {
    client_id: account.client_id,
    // The SHA-256 of the secret, never the secret: the issuer compares hashes
    // (gateways/oauth2/issuer.ts, compareClientSecret).
    client_secret: account.secret_hash,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  }
}

/** The Client adapter: the console by its fixed id, any other id a service account. */
export function issuerClients(findClient: FindClient, issuer: string): OidcAdapter {
  const refuse = async () => {
    throw new Error('clients are built in or written through the admin API only')
  }
  const firstParty = consoleClient(issuer)
  return {
    async find(clientId) {
      if (clientId === CONSOLE_CLIENT_ID) return firstParty
      const account = await findClient(clientId)
      return account?.active ? serviceAccountClient(account) : undefined
    },
    upsert: refuse,
    findByUserCode: async () => undefined,
    findByUid: async () => undefined,
    consume: refuse,
    destroy: refuse,
    revokeByGrantId: refuse,
  }
}
