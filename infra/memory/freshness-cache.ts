import type { FreshnessCache } from '../ports/freshness-cache.ts'

// In-process twin of infra/redis/freshness-cache.ts, for embedded mode (one process, one cache).

export interface MemoryFreshnessCacheOptions {
  /** Monotonic milliseconds; injectable so tests can move time without sleeping. */
  now?: () => number
}

export function createMemoryFreshnessCache(options: MemoryFreshnessCacheOptions = {}): FreshnessCache {
  const now = options.now ?? (() => performance.now())
  const entries = new Map<string, { value: string; expiresAt: number }>()
  return {
    async get(organizationId) {
      const entry = entries.get(organizationId)
      if (entry === undefined) return null
      if (entry.expiresAt > now()) return entry.value
      entries.delete(organizationId)
      return null
    },
    async set(organizationId, value, ttlMs) {
      // Entries are as many as organizations read in the last ttl: a sweep on write keeps it so.
      const at = now()
      for (const [id, entry] of entries) if (entry.expiresAt <= at) entries.delete(id)
      entries.set(organizationId, { value, expiresAt: at + ttlMs })
    },
    async close() {
      entries.clear()
    },
  }
}
