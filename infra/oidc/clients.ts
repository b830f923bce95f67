import type { OidcAdapter } from './adapter.ts'

// The clients the issuer knows, found in our read models: service accounts (client_credentials).

/** What the issuer needs of a client: found by client_id (rm_service_accounts, via the gateway). */
export interface StoredClient {
  client_id: string
  /** SHA-256 (hex) of the client secret. */
  secret_hash: string
  active: boolean
}

export type FindClient = (clientId: string) => Promise<StoredClient | null>

/** The client metadata of a service account: client_credentials only, its secret checked by hash. */
export function serviceAccountClients(findClient: FindClient): OidcAdapter {
  const refuse = async () => {
    throw new Error('service-account clients are written through the admin API only')
  }
  return {
    async find(clientId) {
      const account = await findClient(clientId)
      if (!account?.active) return undefined
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
    },
    upsert: refuse,
    findByUserCode: async () => undefined,
    findByUid: async () => undefined,
    consume: refuse,
    destroy: refuse,
    revokeByGrantId: refuse,
  }
}
