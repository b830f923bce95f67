import { type BackendHealth, everyBackendAdmitted } from '../health/backend-health.ts'
import { createLatencyTracker } from './latency.ts'
import type { RoutingDeps } from './route.ts'

/** Three attempts: the first backend, a failover, and one more (another backend or a retry). */
export const MAX_ATTEMPTS = 3
/** A Retry-After longer than this is the backend saying "not now": the request does not wait. */
export const MAX_RETRY_AFTER_MS = 10_000

/** One replica's routing state: its latency view and its health view live as long as it does. */
export function createRoutingDeps(options: {
  totalTimeoutMs: number
  health?: BackendHealth
  countAttempt?: RoutingDeps['countAttempt']
}): RoutingDeps {
  return {
    health: options.health ?? everyBackendAdmitted,
    latency: createLatencyTracker(),
    random: Math.random,
    maxAttempts: MAX_ATTEMPTS,
    totalTimeoutMs: options.totalTimeoutMs,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    countAttempt: options.countAttempt,
  }
}
