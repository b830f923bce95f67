import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose'
import { z } from 'zod'
import type { Sql } from '../../infra/ports/database.ts'
import type { ObjectStore } from '../../infra/ports/object-store.ts'
import { ANCHOR_PREFIX, ANCHOR_TYPE, anchorKey, jwksKey } from './anchor.ts'
import { ANCHOR_ALG } from './keys.ts'

// Checks every anchor in the object store against the chain as stored now: the signature verifies
// with the published JWKS, and the chain row at the anchored position still has the anchored hash.
// With verifyChain (every hash recomputed from the events) this detects a wholesale rewrite: a
// rewritten event changes the hash of every later position, so no anchor after it still matches.

export interface AnchorFailure {
  /** The anchor's object key. */
  key: string
  global_position?: string
  reason: string
  /** The hash the anchor signed (hex). */
  anchored?: string
  /** The chain's hash at that position now (hex), null when there is no chain row. */
  found?: string | null
}

export interface AnchorReport {
  ok: boolean
  checked: number
  failures: AnchorFailure[]
}

const payloadSchema = z.object({
  v: z.literal(1),
  global_position: z.string().regex(/^[0-9]+$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.iso.datetime(),
})

async function storedHash(db: Sql, position: string): Promise<string | null> {
  const { rows } = await db.query<{ hash: string }>(
    `SELECT encode(hash, 'hex') AS hash FROM event_chain WHERE global_position = $1`,
    [position],
  )
  return rows[0]?.hash ?? null
}

type KeySet = ReturnType<typeof createLocalJWKSet>

async function checkAnchor(
  db: Sql,
  keys: KeySet,
  prefix: string,
  key: string,
  jws: string,
): Promise<AnchorFailure | null> {
  let verified: Awaited<ReturnType<typeof compactVerify>>
  try {
    verified = await compactVerify(jws, keys, { algorithms: [ANCHOR_ALG] })
  } catch (error) {
    return { key, reason: `signature does not verify: ${(error as Error).message}` }
  }
  const parsed = payloadSchema.safeParse(JSON.parse(new TextDecoder().decode(verified.payload)))
  if (verified.protectedHeader.typ !== ANCHOR_TYPE || !parsed.success) {
    return { key, reason: 'not an anchor: unexpected typ or payload' }
  }
  const { global_position, hash } = parsed.data
  if (anchorKey(prefix, global_position) !== key) {
    return { key, global_position, reason: `signed for position ${global_position}, stored elsewhere` }
  }
  const found = await storedHash(db, global_position)
  if (found === hash) return null
  const reason =
    found === null ? 'no chain row at the anchored position' : 'chain hash differs from the anchored hash'
  return { key, global_position, reason, anchored: hash, found }
}

export async function verifyAnchors(
  db: Sql,
  store: ObjectStore,
  prefix = ANCHOR_PREFIX,
): Promise<AnchorReport> {
  const keys = (await store.list(prefix)).filter((key) => key.endsWith('.jws'))
  const jwks = await store.get(jwksKey(prefix))
  if (jwks === null) {
    const failures = keys.map((key) => ({ key, reason: `no ${jwksKey(prefix)} to verify it with` }))
    return { ok: failures.length === 0, checked: keys.length, failures }
  }
  const keySet = createLocalJWKSet(JSON.parse(jwks.toString('utf8')) as JSONWebKeySet)
  const failures: AnchorFailure[] = []
  for (const key of keys) {
    const jws = await store.get(key)
    const failure =
      jws === null
        ? { key, reason: 'listed but gone' }
        : await checkAnchor(db, keySet, prefix, key, jws.toString('utf8'))
    if (failure !== null) failures.push(failure)
  }
  return { ok: failures.length === 0, checked: keys.length, failures }
}
