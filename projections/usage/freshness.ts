import { z } from 'zod'
import type { Sql } from '../../infra/ports/database.ts'
import type { FreshnessCache } from '../../infra/ports/freshness-cache.ts'

// How fresh an organization's analytics are (docs/analytics.md, "Freshness"): the instant up to
// which ingest has stored every event that reached it, and the organization's newest event.
// The stored part is read from the database (or a short-lived cache of it); the lag is taken
// against the caller's clock at answer time, so a cached snapshot never reports a stale lag.

/** What the database says; cached as is (infra/ports/freshness-cache.ts). */
export interface StoredFreshness {
  /** usage_ingest_state.complete_through: every event that reached ingest before it is stored. */
  complete_through: string | null
  /** When the newest stored event of the organization happened. */
  last_event_at: string | null
  /** When ingest last stored an event of the organization. */
  last_ingested_at: string | null
}

export interface Freshness extends StoredFreshness {
  /** Seconds from complete_through to now (never negative); null before ingest has said. */
  lag_seconds: number | null
}

const FRESHNESS_SQL = `SELECT s.complete_through, f.last_occurred_at AS last_event_at, f.last_ingested_at
    FROM usage_ingest_state s
    LEFT JOIN usage_org_freshness f ON f.organization_id = $1
   WHERE s.singleton`

export async function readStoredFreshness(db: Sql, organizationId: string): Promise<StoredFreshness> {
  const { rows } = await db.query<{
    complete_through: Date | null
    last_event_at: Date | null
    last_ingested_at: Date | null
  }>(FRESHNESS_SQL, [organizationId])
  const row = rows[0]
  return {
    complete_through: row?.complete_through?.toISOString() ?? null,
    last_event_at: row?.last_event_at?.toISOString() ?? null,
    last_ingested_at: row?.last_ingested_at?.toISOString() ?? null,
  }
}

/** The stored freshness with its lag at `now`. */
export function freshnessAt(stored: StoredFreshness, now: Date): Freshness {
  const through = stored.complete_through === null ? null : Date.parse(stored.complete_through)
  const lag_seconds = through === null ? null : Math.max(0, (now.getTime() - through) / 1000)
  return { ...stored, lag_seconds }
}

/** How long a stored freshness is reused: ingest commits a batch about every second. */
export const FRESHNESS_TTL_MS = 1000

const storedShape = z.object({
  complete_through: z.string().nullable(),
  last_event_at: z.string().nullable(),
  last_ingested_at: z.string().nullable(),
})

async function fromCache(cache: FreshnessCache, organizationId: string): Promise<StoredFreshness | null> {
  try {
    const text = await cache.get(organizationId)
    if (text === null) return null
    const parsed = storedShape.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : null
  } catch {
    // Redis down or slow, or a value not ours: the database answers instead.
    return null
  }
}

/**
 * The organization's freshness at `now`, from the cache while it holds it, else from the database
 * (then cached). A cache that fails costs its deadline (infra/redis/freshness-cache.ts), never the
 * answer.
 */
export async function cachedFreshness(
  db: Sql,
  cache: FreshnessCache,
  organizationId: string,
  now: Date,
): Promise<Freshness> {
  const cached = await fromCache(cache, organizationId)
  if (cached) return freshnessAt(cached, now)
  const stored = await readStoredFreshness(db, organizationId)
  await cache.set(organizationId, JSON.stringify(stored), FRESHNESS_TTL_MS).catch(() => undefined)
  return freshnessAt(stored, now)
}
