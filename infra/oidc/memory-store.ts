import type { OidcStore, Payload } from './adapter.ts'

// oidc-provider's models in this process's memory, each entry dropped once it expires: unit tests
// and single-process use only (nothing is shared across replicas or survives a restart).

type Entry = { payload: Payload; expiresAt: number }

/** Everything but clients, in memory, each entry dropped once it expires. */
export function memoryStore(now: () => number = Date.now): OidcStore {
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
  return (model: string) => {
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
