import { alreadyConsumed, entryIndexes, type OidcStore, type Payload } from './adapter.ts'

// oidc-provider's models in this process's memory, each entry dropped once it expires: unit tests
// and single-process use only (nothing is shared across replicas or survives a restart). Lookups
// by uid, user code and grant scan the map: fine for the few entries a test holds.

type Entry = { model: string; payload: Payload; expiresAt: number; consumed?: number }

/** Everything but clients, in memory, each entry dropped once it expires. */
export function memoryStore(now: () => number = Date.now): OidcStore {
  const entries = new Map<string, Entry>()
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key)
    if (entry && entry.expiresAt > now()) return entry
    entries.delete(key)
    return undefined
  }
  // A copy, so a caller changing what it got never changes the stored entry.
  const view = (entry: Entry | undefined): Payload | undefined =>
    entry && {
      ...structuredClone(entry.payload),
      ...(entry.consumed === undefined ? {} : { consumed: entry.consumed }),
    }
  const findBy = (model: string, field: 'uid' | 'userCode', value: string) => {
    for (const key of entries.keys()) {
      const entry = live(key)
      if (entry?.model === model && entryIndexes(model, entry.payload)[field] === value) return view(entry)
    }
    return undefined
  }
  return (model: string) => {
    const key = (id: string) => `${model}\u0000${id}`
    return {
      async upsert(id, payload, expiresIn) {
        for (const k of entries.keys()) live(k)
        entries.set(key(id), {
          model,
          payload: structuredClone(payload),
          expiresAt: now() + expiresIn * 1000,
        })
      },
      find: async (id) => view(live(key(id))),
      findByUserCode: async (userCode) => findBy(model, 'userCode', userCode),
      findByUid: async (uid) => findBy(model, 'uid', uid),
      async consume(id) {
        const entry = live(key(id))
        if (entry?.consumed !== undefined) throw alreadyConsumed(model)
        if (entry) entry.consumed = Math.floor(now() / 1000)
      },
      async destroy(id) {
        entries.delete(key(id))
      },
      async revokeByGrantId(grantId) {
        for (const [k, entry] of entries) {
          if (entryIndexes(entry.model, entry.payload).grantId === grantId) entries.delete(k)
        }
      },
    }
  }
}
