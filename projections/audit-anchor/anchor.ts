import { CompactSign, importJWK } from 'jose'
import type { Sql } from '../../infra/ports/database.ts'
import type { ObjectStore } from '../../infra/ports/object-store.ts'
import { ANCHOR_ALG, type AnchorPrivateJwk, publicAnchorJwk } from './keys.ts'

// A signed anchor of the event chain (docs/audit.md, "Anchors"): the chain head as a JWS written
// outside the database, so rewriting the whole log (recomputing every hash) shows at each anchored
// position. The object store holds the anchors and the public keys that verify them.

/** Where anchors go by default (AIAAS_AUDIT_ANCHOR_PREFIX): `<prefix><position>.jws`, `<prefix>jwks.json`. */
export const ANCHOR_PREFIX = 'anchors/'
export const ANCHOR_TYPE = 'aiaas-anchor+jws'

/** The anchor's payload, version 1. */
export interface AnchorPayload {
  v: 1
  /** Decimal string: positions pass 2^53. */
  global_position: string
  /** The chain hash of the event at global_position (hex). */
  hash: string
  /** When the anchor was signed (RFC 3339, UTC). */
  at: string
}

/** `<prefix><position, 19 digits>.jws`: zero-padded so that listing order is log order. */
export const anchorKey = (prefix: string, position: string): string =>
  `${prefix}${position.padStart(19, '0')}.jws`

/** The public keys of every anchor key, beside the anchors. */
export const jwksKey = (prefix: string): string => `${prefix}jwks.json`

/** The newest chained event: position and hash; null while nothing is chained. */
export async function chainHead(db: Sql): Promise<{ global_position: string; hash: string } | null> {
  const { rows } = await db.query<{ global_position: string; hash: string }>(
    `SELECT global_position::text AS global_position, encode(hash, 'hex') AS hash
     FROM event_chain ORDER BY global_position DESC LIMIT 1`,
  )
  return rows[0] ?? null
}

export async function signAnchor(key: AnchorPrivateJwk, payload: AnchorPayload): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: ANCHOR_ALG, kid: key.kid, typ: ANCHOR_TYPE })
    .sign(await importJWK(key, ANCHOR_ALG))
}

export interface AnchorDeps {
  db: Sql
  store: ObjectStore
  /** Newest first: the first signs, all are published. */
  keys: readonly AnchorPrivateJwk[]
  now: () => Date
  /** ANCHOR_PREFIX unless configured. */
  prefix?: string
  /** Writes nothing when this holds for the head's position (the periodic anchor: head unmoved). */
  skipIf?: (position: string) => boolean
}

/** The anchor of the head, and whether this call wrote it (false: the position was anchored already). */
export type AnchorResult = AnchorPayload & { key: string; written: boolean }

/**
 * Signs the chain head and writes it, with the JWKS, to the object store; null when nothing is
 * chained yet or skipIf holds. An anchor already stored at that position is never replaced: after
 * a rewrite below an unmoved head, a new anchor would sign the rewritten hash over the evidence.
 * The JWKS goes first: an anchor is never visible before the key that verifies it.
 */
export async function writeAnchor(deps: AnchorDeps): Promise<AnchorResult | null> {
  const [signer] = deps.keys
  if (signer === undefined) throw new Error('no anchor signing key')
  const head = await chainHead(deps.db)
  if (head === null || deps.skipIf?.(head.global_position)) return null
  const prefix = deps.prefix ?? ANCHOR_PREFIX
  const payload: AnchorPayload = { v: 1, ...head, at: deps.now().toISOString() }
  const key = anchorKey(prefix, head.global_position)
  if ((await deps.store.get(key)) !== null) return { ...payload, key, written: false }
  const jwks = { keys: deps.keys.map(publicAnchorJwk) }
  await deps.store.put(jwksKey(prefix), JSON.stringify(jwks), 'application/jwk-set+json')
  await deps.store.put(key, await signAnchor(signer, payload), 'application/jose')
  return { ...payload, key, written: true }
}
