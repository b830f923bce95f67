// Lock-out with back-off (docs/adr/0016-credentials.md). The first FREE_FAILURES consecutive
// failures cost nothing; every failure after that locks the credential for twice as long as the
// one before, from BASE_LOCK_MS up to MAX_LOCK_MS. The cap bounds how long an attacker who only
// knows a user's name can keep that user out; the doubling bounds guessing to a handful an hour.
export const FREE_FAILURES = 4
export const BASE_LOCK_MS = 30_000
export const MAX_LOCK_MS = 15 * 60_000

/** Consecutive failures of one factor, and until when it refuses attempts. */
export interface Attempts {
  failures: number
  locked_until: string | null
}

export const NO_FAILURES: Attempts = { failures: 0, locked_until: null }

/** How long the n-th consecutive failure locks the credential (0: not at all). */
export function lockDurationMs(failures: number): number {
  if (failures <= FREE_FAILURES) return 0
  return Math.min(BASE_LOCK_MS * 2 ** (failures - FREE_FAILURES - 1), MAX_LOCK_MS)
}

/** The attempts after one more failure at `now`. */
export function failedOnce(attempts: Attempts, now: string): Attempts {
  const failures = attempts.failures + 1
  const ms = lockDurationMs(failures)
  const locked_until = ms === 0 ? null : new Date(Date.parse(now) + ms).toISOString()
  return { failures, locked_until }
}

/** Milliseconds until an attempt is allowed again; 0 when it is allowed now. */
export function lockedForMs(attempts: Attempts, now: string): number {
  if (attempts.locked_until === null) return 0
  return Math.max(0, Date.parse(attempts.locked_until) - Date.parse(now))
}
