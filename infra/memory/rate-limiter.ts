import { AppError } from '../../domain/errors.ts'
import type { RateLimiter } from '../ports/rate-limiter.ts'

// In-process twin of infra/redis/rate-limiter.ts with the same semantics: a fixed window anchored
// at the first hit of each window, denied hits not counted, one counter per (key, windowMs). Only
// correct for a single process (embedded mode, tests): replicas would each allow the full limit.

export interface MemoryRateLimiterOptions {
  /** Monotonic milliseconds; injectable so tests can move time without sleeping. */
  now?: () => number
}

interface Window {
  count: number
  endsAt: number
}

// Expired windows are dropped while counting; a sweep every so many hits frees keys never hit again.
const SWEEP_EVERY_HITS = 1000

export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? (() => performance.now())
  const windows = new Map<string, Window>()
  let hitsSinceSweep = 0
  let closed = false

  const sweep = (at: number) => {
    for (const [key, window] of windows) if (window.endsAt <= at) windows.delete(key)
  }

  return {
    async hit(key, limit, windowMs) {
      assertOpen(closed)
      assertLimitArguments(limit, windowMs)
      const at = now()
      if (++hitsSinceSweep >= SWEEP_EVERY_HITS) {
        hitsSinceSweep = 0
        sweep(at)
      }
      const id = `${key}\u0000${windowMs}`
      let window = windows.get(id)
      if (window === undefined || window.endsAt <= at) {
        window = { count: 0, endsAt: at + windowMs }
        windows.set(id, window)
      }
      const allowed = window.count < limit
      if (allowed) window.count += 1
      // Whole milliseconds, like PTTL; at least 1 while the window is still open.
      const reset_ms = Math.max(1, Math.ceil(window.endsAt - at))
      return { allowed, limit, remaining: Math.max(0, limit - window.count), reset_ms }
    },
    async ping() {
      assertOpen(closed)
    },
    async close() {
      closed = true
      windows.clear()
    },
  }
}

function assertOpen(closed: boolean): void {
  if (closed) throw new AppError('RATE_LIMITER_UNAVAILABLE', 'rate limiter unavailable: closed')
}

function assertLimitArguments(limit: number, windowMs: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(windowMs) || windowMs < 1) {
    throw new AppError('RATE_LIMIT_INVALID', 'limit and windowMs must be positive integers', {
      limit,
      windowMs,
    })
  }
}
