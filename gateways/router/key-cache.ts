import type { ApiKeyRecord } from '../../projections/api-keys/key-lookup.ts'
import { type Touched, touchesKeys } from '../../projections/router/touched.ts'
import { Lru } from './lru.ts'

export type FindKeyByHash = (keyHash: string) => Promise<ApiKeyRecord | null>

/** How many unknown well-formed keys a router remembers: past it the least recently seen go. */
export const NEGATIVE_CACHE_SIZE = 10_000

/** What a refresh changed, for the replica to write with its position. */
export interface KeyChanges {
  set: [hash: string, record: ApiKeyRecord][]
  deleted: string[]
}

export interface KeyCache {
  /** The record of a hash: cached, else one shared read-model query per hash (single flight). */
  lookup(keyHash: string): Promise<ApiKeyRecord | null>
  /** Re-reads from the read models every cached key the change feed says a batch touched. */
  refresh(touched: Touched): Promise<KeyChanges>
  /** Found keys, for the local copy. */
  entries(): IterableIterator<[string, ApiKeyRecord]>
  /** How many found keys are cached (a metric). */
  size(): number
  /** Called by the feed once it knows a position: from then on lookups are kept (see below). */
  trust(): void
}

export interface KeyCacheOptions {
  negativeSize?: number
  /** Keys known before the first lookup (the local copy), with the feed's position already set. */
  initial?: Iterable<[string, ApiKeyRecord]>
  /** false until the change feed has a position: a key kept before then could miss a change. */
  trusted?: boolean
  /** A found key was kept (the replica writes it down). */
  onKept?: (hash: string, record: ApiKeyRecord) => void
}

/**
 * The router's keys: every found key stays until the change feed says an event touched it (then
 * it is re-read from the read models), so a revocation or a suspension reaches this replica as
 * fast as the feed, and a key in use never costs a query. Unknown well-formed keys are remembered
 * in a bounded LRU, so a flood of wrong keys never reaches PostgreSQL. A negative entry cannot
 * hide a key issued later: a new key (or a rotation) is a new random secret, hence a hash never
 * looked up before; and the feed drops the entry of any hash an ApiKeyIssued/ApiKeyRotated names
 * (a key used before its issue was projected).
 *
 * A lookup that ran while the feed applied a batch is answered but not kept (`generation`): it
 * may have read the read models before the batch, and keeping it would undo the refresh.
 */
export function createKeyCache(find: FindKeyByHash, options: KeyCacheOptions = {}): KeyCache {
  const found = new Map<string, ApiKeyRecord>(options.initial ?? [])
  const unknown = new Lru<string>(options.negativeSize ?? NEGATIVE_CACHE_SIZE)
  const inFlight = new Map<string, Promise<ApiKeyRecord | null>>()
  let generation = 0
  let trusted = options.trusted ?? true

  async function read(hash: string): Promise<ApiKeyRecord | null> {
    const seen = generation
    const record = await find(hash)
    if (seen !== generation || !trusted) return record
    if (record) {
      found.set(hash, record)
      options.onKept?.(hash, record)
    } else unknown.add(hash)
    return record
  }

  async function refresh(touched: Touched): Promise<KeyChanges> {
    const changes: KeyChanges = { set: [], deleted: [] }
    if (!touchesKeys(touched)) return changes
    generation++
    for (const hash of touched.keyHashes) unknown.delete(hash)
    if (touched.allKeys) unknown.clear()
    const stale = [...found].filter(
      ([, r]) =>
        touched.allKeys || touched.organizations.has(r.organization_id) || touched.apiKeys.has(r.api_key_id),
    )
    // A failed re-read throws before anything changes position: the feed retries the batch.
    const fresh = await Promise.all(stale.map(async ([hash]) => [hash, await find(hash)] as const))
    for (const [hash, record] of fresh) {
      if (record) {
        found.set(hash, record)
        changes.set.push([hash, record])
      } else {
        found.delete(hash)
        changes.deleted.push(hash)
      }
    }
    return changes
  }

  return {
    lookup(hash) {
      const hit = found.get(hash)
      if (hit) return Promise.resolve(hit)
      if (unknown.has(hash)) return Promise.resolve(null)
      let flight = inFlight.get(hash)
      if (!flight) {
        flight = read(hash).finally(() => inFlight.delete(hash))
        inFlight.set(hash, flight)
      }
      return flight
    },
    refresh,
    entries: () => found.entries(),
    size: () => found.size,
    trust() {
      trusted = true
    },
  }
}
