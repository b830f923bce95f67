import { createRequire } from 'node:module'

// kafkajs 2.2.4, its last release, schedules its "check pending requests" timer at
// `throttledUntil - Date.now()` even when nothing is pending and nothing is throttled. throttledUntil
// starts at -1, so the delay is about -1.7e12 ms: Node 24 prints TimeoutNegativeWarning, clamps the
// delay to 1 ms, and the timer re-arms itself from its own callback, a 1 ms loop per broker
// connection for as long as it is open. Upstream: tulios/kafkajs#1751, fix in #1768 (unmerged).
// This replaces that one method with the fixed one; ADR 0007 says why we patch instead of moving.

export const PATCHED_KAFKAJS_VERSION = '2.2.4'
// kafkajs' own constant (src/network/requestQueue/index.js): how often a full queue is re-checked.
const CHECK_PENDING_REQUESTS_INTERVAL = 10

interface RequestQueueInternals {
  pending: unknown[]
  throttledUntil: number
  throttleCheckTimeoutId: NodeJS.Timeout | null
  checkPendingRequests(): void
  scheduleCheckPendingRequests(): void
}

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return
  const throttledFor = this.throttledUntil - Date.now()
  // Nothing to wait for: push() and every answer call checkPendingRequests again anyway.
  if (this.pending.length === 0 && throttledFor <= 0) return
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null
      this.checkPendingRequests()
    },
    throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL,
  )
}

const require = createRequire(import.meta.url)

/** kafkajs' RequestQueue class, as its source exports it (the package has no `exports` map). */
export const kafkaJsRequestQueue = (): { prototype: RequestQueueInternals } =>
  require('kafkajs/src/network/requestQueue/index.js')

export const installedKafkaJsVersion = (): string => require('kafkajs/package.json').version

/**
 * Installs the fixed method once. Only on the version it was written for: on any other the
 * original stays, and the unit test fails so that whoever upgrades looks again.
 */
export function fixKafkaJsRequestQueue(): boolean {
  if (installedKafkaJsVersion() !== PATCHED_KAFKAJS_VERSION) return false
  kafkaJsRequestQueue().prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests
  return true
}
