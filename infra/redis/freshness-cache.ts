import type { FreshnessCache } from '../ports/freshness-cache.ts'
import { createRedisClient } from './client.ts'

export interface RedisFreshnessCacheOptions {
  /** Prepended to every organization id. Default `aiaas:freshness:`. */
  keyPrefix?: string
  /** Upper bound on one call, connection wait included. Default 100 ms. */
  commandTimeoutMs?: number
}

/**
 * GET / SET PX per organization. A cache must never make an answer slow: a short deadline, and
 * callers (projections/usage/freshness.ts) read the database instead when a call fails.
 */
export function createRedisFreshnessCache(
  url: string,
  options: RedisFreshnessCacheOptions = {},
): FreshnessCache {
  const prefix = options.keyPrefix ?? 'aiaas:freshness:'
  const client = createRedisClient(url, {
    timeoutMs: options.commandTimeoutMs ?? 100,
    unavailableCode: 'FRESHNESS_CACHE_UNAVAILABLE',
    what: 'freshness cache',
  })
  return {
    get: (organizationId) => client.guarded(() => client.redis.get(`${prefix}${organizationId}`)),
    async set(organizationId, value, ttlMs) {
      await client.guarded(() => client.redis.set(`${prefix}${organizationId}`, value, 'PX', ttlMs))
    },
    close: () => client.close(),
  }
}
