import type { Sql } from '../../infra/ports/database.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/key-lookup.ts'
import { type ChangeFeed, startChangeFeed } from '../../projections/router/change-feed.ts'
import { type Touched, touchesModels } from '../../projections/router/touched.ts'
import { createKeyCache, type FindKeyByHash, type KeyCache, type KeyChanges } from './key-cache.ts'

/** Where a replica keeps its copy between runs (infra/lmdb/router-replica.ts). */
export interface ReplicaCopy {
  /** The keys and the position written last; position null when there is no copy. */
  load(): { position: bigint | null; keys: [string, ApiKeyRecord][] }
  /** Writes the changes and the new position together. */
  save(changes: KeyChanges, position: bigint): Promise<void>
  /** A key found by a lookup (its position is the one already saved or later). */
  keep(hash: string, record: ApiKeyRecord): void
  /** Drops the position, so the next start ignores the copy (a batch could not be written). */
  forget(): Promise<void>
}

export interface RouterReplica {
  keys: KeyCache
  feed: ChangeFeed
  close(): Promise<void>
}

/**
 * One router replica's view of the read models: its key cache and model catalogue, kept fresh by
 * the change feed, and (with `copy`) written to a local copy it can start from while PostgreSQL
 * is down.
 */
export function startRouterReplica(options: {
  db: Sql
  find: FindKeyByHash
  catalogue?: { refresh(): Promise<void> }
  copy?: ReplicaCopy
  pollMs?: number
  onError?: (error: unknown) => void
}): RouterReplica {
  const { copy } = options
  const loaded = copy?.load() ?? { position: null, keys: [] }
  // A copy that missed a batch would hold stale keys under a newer position: after a failed write
  // this process stops writing it and drops its position, so the next start begins afresh.
  let copyBroken = false
  const keys = createKeyCache(options.find, {
    initial: loaded.keys,
    trusted: loaded.position !== null,
    ...(copy ? { onKept: (hash, record) => copyBroken || copy.keep(hash, record) } : {}),
  })
  async function writeCopy(changes: KeyChanges, upTo: bigint): Promise<void> {
    if (!copy || copyBroken) return
    try {
      await copy.save(changes, upTo)
    } catch (error) {
      copyBroken = true
      options.onError?.(error)
      await copy.forget().catch(() => {})
    }
  }
  async function apply(touched: Touched, upTo: bigint): Promise<void> {
    const changes = await keys.refresh(touched)
    if (touchesModels(touched)) await options.catalogue?.refresh()
    await writeCopy(changes, upTo)
    keys.trust()
  }
  const feed = startChangeFeed({
    db: options.db,
    position: loaded.position,
    apply,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.onError ? { onError: options.onError } : {}),
  })
  return { keys, feed, close: () => feed.close() }
}
