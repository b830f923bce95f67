import { open, type RootDatabase } from 'lmdb'
import type { ApiKeyRecord } from '../../projections/api-keys/key-lookup.ts'
import type { ModelRecord } from '../../projections/models/model-query.ts'
import { fromStored, type StoredDataKey, toStored, type WrappedDataKey } from '../crypto/data-keys.ts'

// A router replica's local copy of the read models it serves from (ADR 0013): keys by hash, the
// model catalogue with its sealed provider keys, the *wrapped* data keys those need (a KEK from
// config unwraps them; nothing on disk decrypts on its own), and the position of the change feed
// up to which the keys are fresh. A router that starts while PostgreSQL is down serves from it.

/**
 * The shape of what is stored (ApiKeyRecord, ModelRecord). Bump it when they change: a copy in
 * another shape is emptied at open, so a router never serves a record missing a field (a key's
 * budgets, say) and reads through to PostgreSQL instead.
 */
const FORMAT = 3
const FORMAT_KEY = 'format'
const POSITION = 'position'
const MODELS = 'models'
const keyOf = (hash: string) => `key:${hash}`
const dataKeyOf = (id: string) => `data-key:${id}`

// Wrapped data keys are kept as base64 text: what comes back is exactly what went in, whatever
// the codec makes of binary.

export interface ReplicaKeyChanges {
  set: [hash: string, record: ApiKeyRecord][]
  deleted: string[]
}

export interface RouterReplicaStore {
  load(): { position: bigint | null; keys: [string, ApiKeyRecord][] }
  /** The changes of one feed batch and the position after it, in one LMDB transaction. */
  save(changes: ReplicaKeyChanges, position: bigint): Promise<void>
  /** A key found by a lookup: fresh as of the saved position or later, so written alone. */
  keep(hash: string, record: ApiKeyRecord): void
  /** Drops the position: the next start ignores what is left. */
  forget(): Promise<void>
  models(): ModelRecord[] | null
  saveModels(records: readonly ModelRecord[]): Promise<void>
  dataKey(id: string): WrappedDataKey | null
  keepDataKey(row: WrappedDataKey): Promise<void>
  close(): Promise<void>
}

export function openRouterReplicaStore(path: string, onError: (error: unknown) => void): RouterReplicaStore {
  const db: RootDatabase<unknown, string> = open<unknown, string>({ path, compression: false })
  if (db.get(FORMAT_KEY) !== FORMAT) {
    db.clearSync()
    db.putSync(FORMAT_KEY, FORMAT)
  }
  return {
    load() {
      const stored = db.get(POSITION)
      // Keys without a position cannot be trusted: a start from them could miss changes.
      if (typeof stored !== 'string') return { position: null, keys: [] }
      const keys: [string, ApiKeyRecord][] = []
      for (const { key, value } of db.getRange({ start: 'key:', end: 'key;' }))
        keys.push([key.slice('key:'.length), value as ApiKeyRecord])
      return { position: BigInt(stored), keys }
    },
    async save(changes, position) {
      await db.transaction(() => {
        for (const [hash, record] of changes.set) db.put(keyOf(hash), record)
        for (const hash of changes.deleted) db.remove(keyOf(hash))
        db.put(POSITION, String(position))
      })
    },
    keep(hash, record) {
      db.put(keyOf(hash), record).catch(onError)
    },
    async forget() {
      await db.remove(POSITION)
    },
    models() {
      const stored = db.get(MODELS)
      return Array.isArray(stored) ? (stored as ModelRecord[]) : null
    },
    async saveModels(records) {
      await db.put(MODELS, records)
    },
    dataKey(id) {
      const stored = db.get(dataKeyOf(id)) as StoredDataKey | undefined
      return stored ? fromStored(stored) : null
    },
    async keepDataKey(row) {
      await db.put(dataKeyOf(row.data_key_id), toStored(row))
    },
    close: () => db.close(),
  }
}
