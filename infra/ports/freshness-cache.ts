// A short-lived cache of each organization's analytics freshness (docs/analytics.md, "Freshness"),
// so a burst of analytics reads costs one freshness query per organization and second. Values are
// opaque strings (the caller's JSON): the port knows nothing of what it caches. Redis in
// production, shared by every analytics replica; in process when embedded.
export interface FreshnessCache {
  /** The value set for the organization, or null when none is live. */
  get(organizationId: string): Promise<string | null>
  /** Keeps `value` for `ttlMs`. */
  set(organizationId: string, value: string, ttlMs: number): Promise<void>
  close(): Promise<void>
}
