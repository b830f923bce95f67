import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryFreshnessCache } from '../../../infra/memory/freshness-cache.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { FreshnessCache } from '../../../infra/ports/freshness-cache.ts'
import { cachedFreshness, FRESHNESS_TTL_MS } from '../../../projections/usage/freshness.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { usageEvent } from '../../support/usage-event.ts'

// An organization's freshness: what ingest recorded, its lag at the caller's clock, reused from
// the cache for FRESHNESS_TTL_MS, and read from the database whenever the cache fails.

const ORG = '0190a000-0000-7000-8000-000000000010'
const OTHER = '0190a000-0000-7000-8000-000000000011'
const NOW = new Date('2026-11-26T12:00:00Z')
let db: Database
let dispose: () => Promise<void>

beforeAll(async () => {
  ;({ db, dispose } = await makePglite())
})
afterAll(() => dispose?.())

/** A cache whose every call fails, as the Redis one does while Redis is down. */
const broken: FreshnessCache = {
  get: () => Promise.reject(new Error('redis down')),
  set: () => Promise.reject(new Error('redis down')),
  close: async () => {},
}

describe('cachedFreshness', () => {
  it('says nothing is known before ingest, then what ingest recorded with its lag at now', async () => {
    expect(await cachedFreshness(db, broken, ORG, NOW)).toEqual({
      complete_through: null,
      lag_seconds: null,
      last_event_at: null,
      last_ingested_at: null,
    })
    await ingestUsageBatch(
      db,
      [usageEvent({ organization_id: ORG, occurred_at: '2026-11-26T11:59:00Z' })],
      NOW,
    )
    const later = new Date(NOW.getTime() + 5000)
    expect(await cachedFreshness(db, broken, ORG, later)).toEqual({
      complete_through: '2026-11-26T11:59:00.000Z',
      lag_seconds: 65,
      last_event_at: '2026-11-26T11:59:00.000Z',
      last_ingested_at: NOW.toISOString(),
    })
    // Another organization: ingest's complete_through is for every organization; its own events none.
    expect(await cachedFreshness(db, broken, OTHER, later)).toMatchObject({
      complete_through: '2026-11-26T11:59:00.000Z',
      last_event_at: null,
    })
  })

  it('reuses the cached snapshot for its time to live (the lag still taken at now), then reads again', async () => {
    let clock = 0
    const cache = createMemoryFreshnessCache({ now: () => clock })
    const first = await cachedFreshness(db, cache, ORG, NOW)
    const event = usageEvent({ organization_id: ORG, occurred_at: '2026-11-26T11:59:50Z' })
    await ingestUsageBatch(db, [event], new Date('2026-11-26T12:00:01Z'))
    clock = FRESHNESS_TTL_MS - 1
    const cached = await cachedFreshness(db, cache, ORG, new Date(NOW.getTime() + 1000))
    expect(cached).toEqual({ ...first, lag_seconds: (first.lag_seconds as number) + 1 })
    clock = FRESHNESS_TTL_MS
    const fresh = await cachedFreshness(db, cache, ORG, NOW)
    expect(fresh.last_event_at).toBe('2026-11-26T11:59:50.000Z')
    expect(fresh.last_ingested_at).toBe('2026-11-26T12:00:01.000Z')
  })

  it('reads the database when the cached value is not one it wrote', async () => {
    const cache = createMemoryFreshnessCache()
    await cache.set(ORG, '{"complete_through": 5}', 60_000)
    expect((await cachedFreshness(db, cache, ORG, NOW)).last_event_at).toBe('2026-11-26T11:59:50.000Z')
  })
})
