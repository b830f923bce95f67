import type { NonceStore } from '../ports/nonce-store.ts'

// In-process twin of infra/redis/nonce-store.ts: correct for one process only (embedded mode,
// tests); router replicas must share the Redis one, or a request replayed to another is accepted.

export interface MemoryNonceStoreOptions {
  /** Monotonic milliseconds; injectable so tests can move time without sleeping. */
  now?: () => number
}

// Expired nonces are dropped by a sweep every so many claims, so memory follows the live window.
const SWEEP_EVERY_CLAIMS = 1000

export function createMemoryNonceStore(options: MemoryNonceStoreOptions = {}): NonceStore {
  const now = options.now ?? (() => performance.now())
  const expiries = new Map<string, number>()
  let claims = 0
  const sweep = (at: number) => {
    for (const [nonce, expiresAt] of expiries) if (expiresAt <= at) expiries.delete(nonce)
  }
  return {
    async claim(nonce, ttlMs) {
      const at = now()
      if (++claims % SWEEP_EVERY_CLAIMS === 0) sweep(at)
      const expiresAt = expiries.get(nonce)
      if (expiresAt !== undefined && expiresAt > at) return false
      expiries.set(nonce, at + ttlMs)
      return true
    },
    async close() {
      expiries.clear()
    },
  }
}
