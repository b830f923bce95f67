// Request-rate limits shared by every router replica (Redis in production, in-process embedded).
export interface LimitDecision {
  allowed: boolean
  limit: number
  remaining: number
  /** Milliseconds until the current window resets. */
  reset_ms: number
}

export interface RateLimiter {
  /** Counts one request against `key` in a window of windowMs and says whether it fits under limit. */
  hit(key: string, limit: number, windowMs: number): Promise<LimitDecision>
  ping(): Promise<void>
  close(): Promise<void>
}
