// oidc-provider's storage adapter (one instance per model name). Clients are the service
// accounts of rm_service_accounts; every other model (grants, sessions, interactions…) is kept in
// this process's memory. That is enough for client_credentials with JWT access tokens, which
// oidc-provider never stores; the authorization-code flow (sessions, codes, refresh tokens) needs
// the shared store the issue names (Redis in production): a later step (docs/adr/0015).

export type Payload = Record<string, unknown>

export interface OidcAdapter {
  upsert(id: string, payload: Payload, expiresIn: number): Promise<void>
  find(id: string): Promise<Payload | undefined>
  findByUserCode(userCode: string): Promise<Payload | undefined>
  findByUid(uid: string): Promise<Payload | undefined>
  consume(id: string): Promise<void>
  destroy(id: string): Promise<void>
  revokeByGrantId(grantId: string): Promise<void>
}

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

type Entry = { payload: Payload; expiresAt: number }

/** Everything but clients, in memory, each entry dropped once it expires. */
export function memoryStore(now: () => number = Date.now) {
  const entries = new Map<string, Entry>()
  const live = (key: string): Payload | undefined => {
    const entry = entries.get(key)
    if (entry && entry.expiresAt <= now()) entries.delete(key)
    return entry && entry.expiresAt > now() ? entry.payload : undefined
  }
  const findBy = (field: string, value: string) => {
    for (const key of entries.keys()) {
      const payload = live(key)
      if (payload?.[field] === value) return payload
    }
    return undefined
  }
  return (model: string): OidcAdapter => {
    const key = (id: string) => `${model}:${id}`
    return {
      async upsert(id, payload, expiresIn) {
        entries.set(key(id), { payload: { ...payload }, expiresAt: now() + expiresIn * 1000 })
      },
      find: async (id) => live(key(id)),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      findByUid: async (uid) => findBy('uid', uid),
      async consume(id) {
        const payload = live(key(id))
        if (payload) payload.consumed = Math.floor(now() / 1000)
      },
      async destroy(id) {
        entries.delete(key(id))
      },
      async revokeByGrantId(grantId) {
        for (const [k, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(k)
      },
    }
  }
}

/** The adapter factory oidc-provider is configured with. */
export function issuerAdapter(findClient: FindClient) {
  const clients = serviceAccountClients(findClient)
  const others = memoryStore()
  return (model: string): OidcAdapter => (model === 'Client' ? clients : others(model))
}
