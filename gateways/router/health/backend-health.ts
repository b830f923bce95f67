// Passive health of backends as the routing loop sees it (docs/routing.md#health-and-failover).

export type AttemptVerdict = 'success' | 'failure'

export interface BackendHealth {
  /**
   * Whether a request may be sent to the backend now: false while its circuit is open; while
   * half-open, true for exactly one caller (the trial request).
   */
  admit(id: string): boolean | Promise<boolean>
  /** The verdict of an attempt: 5xx, connect errors and timeouts are failures; 4xx are not. */
  report(id: string, verdict: AttemptVerdict): void
  /** An admitted request that reached no verdict (its client left): a trial it held is given back. */
  abandon(id: string): void
}

/** No circuit breaking: every backend is always admitted. */
export const everyBackendAdmitted: BackendHealth = {
  admit: () => true,
  report: () => {},
  abandon: () => {},
}
