// A per-address limit on sign-in attempts, on top of the per-user lock-out (which stops guessing
// one person's password but not trying one password on many people). In this process's memory:
// each replica counts alone, so N replicas allow N times the limit; a restart forgets. A fixed
// window per address, bounded in size (the oldest addresses are forgotten first).

export interface Throttle {
  /** Counts an attempt; null when allowed, else the seconds until the address may try again. */
  attempt(address: string): number | null
}

export interface ThrottleOptions {
  limit: number
  windowMs: number
  now?: () => number
  maxAddresses?: number
}

export function addressThrottle({
  limit,
  windowMs,
  now = Date.now,
  maxAddresses = 10_000,
}: ThrottleOptions): Throttle {
  const windows = new Map<string, { start: number; count: number }>()
  return {
    attempt(address) {
      const at = now()
      let window = windows.get(address)
      if (!window || at - window.start >= windowMs) {
        windows.delete(address)
        if (windows.size >= maxAddresses) {
          const oldest = windows.keys().next().value
          if (oldest !== undefined) windows.delete(oldest)
        }
        window = { start: at, count: 0 }
        windows.set(address, window)
      }
      window.count += 1
      return window.count > limit ? Math.ceil((window.start + windowMs - at) / 1000) : null
    },
  }
}
