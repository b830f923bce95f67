// oidc-provider's storage adapter (one instance per model name): the port every store implements.
// Clients come from our own read models (infra/oidc/clients.ts); every other model (grants,
// sessions, interactions, codes, refresh tokens…) lives in an OidcStore: memory-store.ts in unit
// tests, a shared store in the processes (docs/adr/0015).

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

/** Every model but `Client`: model name → its adapter. */
export type OidcStore = (model: string) => OidcAdapter
