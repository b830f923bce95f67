import type { NonceStore } from '../ports/nonce-store.ts'
import { createRedisClient } from './client.ts'

export interface RedisNonceStoreOptions {
  /** Prepended to every nonce. Default `aiaas:nonce:`. */
  keyPrefix?: string
  /** Upper bound on one claim, connection wait included. Default 500 ms. */
  commandTimeoutMs?: number
}

/**
 * One `SET key 1 NX PX ttl` per claim: atomic, so of two replicas given the same signed request
 * exactly one records it. When Redis does not answer a claim fails with NONCE_STORE_UNAVAILABLE
 * (the router refuses the request: it cannot tell a replay from a first use).
 */
export function createRedisNonceStore(url: string, options: RedisNonceStoreOptions = {}): NonceStore {
  const prefix = options.keyPrefix ?? 'aiaas:nonce:'
  const client = createRedisClient(url, {
    timeoutMs: options.commandTimeoutMs ?? 500,
    unavailableCode: 'NONCE_STORE_UNAVAILABLE',
    what: 'nonce store',
  })
  return {
    async claim(nonce, ttlMs) {
      const set = await client.guarded(() => client.redis.set(`${prefix}${nonce}`, '1', 'PX', ttlMs, 'NX'))
      return set === 'OK'
    },
    close: () => client.close(),
  }
}
