// oidc-provider's storage adapter (one instance per model name): the port every store implements.
// Clients come from our own read models (infra/oidc/clients.ts); every other model (grants,
// sessions, interactions, codes, refresh tokens…) lives in an OidcStore: memory-store.ts in unit
// tests, sql-store.ts in `aiaas dev`, redis-store.ts in `aiaas identity` (docs/adr/0015, Storage).
// Every store passes one contract suite (tests/infra/contracts/oidc-store.contract.ts): `find*`
// never return an expired entry, `findByUid`/`findByUserCode` look in the adapter's own model only,
// `consume` sets `consumed` (epoch seconds) and keeps the expiry, an upsert replaces the entry and
// its indexes whole.
//
// `consume` is a compare-and-set: an entry consumed already is refused with OIDC_ALREADY_CONSUMED
// (a missing or expired one is left alone). oidc-provider checks `consumed` before it consumes,
// which two redemptions of one code at the same instant both pass; this refusal is what fails the
// second (gateways/oauth2/consume-once.ts).

import { AppError } from '../../domain/errors.ts'

export type Payload = Record<string, unknown>

/** What `consume` throws for an entry consumed already: the second of two redemptions. */
export function alreadyConsumed(model: string): AppError {
  return new AppError('OIDC_ALREADY_CONSUMED', `${model} already consumed`, { model })
}

export interface OidcAdapter {
  upsert(id: string, payload: Payload, expiresIn: number): Promise<void>
  find(id: string): Promise<Payload | undefined>
  findByUserCode(userCode: string): Promise<Payload | undefined>
  findByUid(uid: string): Promise<Payload | undefined>
  consume(id: string): Promise<void>
  destroy(id: string): Promise<void>
  revokeByGrantId(grantId: string): Promise<void>
}

/**
 * The models whose entries belong to a grant (their payload's `grantId`): `revokeByGrantId` on any
 * model destroys every entry of these models with that grant id, as oidc-provider's own adapters
 * do. Other models (Session, Interaction, Grant…) are never destroyed by it.
 */
export const GRANT_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
])

/** The index values of an entry: the payload's own `grantId` (grant models only), `uid`, `userCode`. */
export function entryIndexes(model: string, payload: Payload) {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)
  return {
    grantId: GRANT_MODELS.has(model) ? text(payload.grantId) : undefined,
    uid: text(payload.uid),
    userCode: text(payload.userCode),
  }
}

/** Every model but `Client`: model name → its adapter. */
export type OidcStore = (model: string) => OidcAdapter
