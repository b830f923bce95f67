import { expect, it } from 'vitest'
import type { Database } from '../../../infra/ports/database.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { ingestUsageEvent } from '../../../projections/usage/ingest.ts'
import { createSqlRecordedSpend } from '../../../projections/usage/recorded-spend.ts'
import { usageEvent as anyEvent } from '../../support/usage-event.ts'

// usage_events stores latency as whole milliseconds.
const usageEvent = (overrides: Partial<UsageEvent>) => anyEvent({ latency_ms: 41, ...overrides })

const ORG = '0190a000-0000-7000-8000-0000000000a1'
const OTHER_ORG = '0190a000-0000-7000-8000-0000000000a2'
const KEY = '0190a000-0000-7000-8000-0000000000b1'
const OTHER_KEY = '0190a000-0000-7000-8000-0000000000b2'

/** The recorded spend, on a migrated database (PostgreSQL or PGlite). */
export function recordedSpendContract(database: () => Promise<Database>): void {
  it('sums the cost since an instant, per organization or key, exactly in nano-USD', async () => {
    const db = await database()
    const events = [
      usageEvent({
        organization_id: ORG,
        api_key_id: KEY,
        cost_usd: 0.1,
        occurred_at: '2026-11-26T10:00:00Z',
      }),
      usageEvent({
        organization_id: ORG,
        api_key_id: KEY,
        cost_usd: 0.2,
        occurred_at: '2026-11-26T12:00:00Z',
      }),
      usageEvent({
        organization_id: ORG,
        api_key_id: OTHER_KEY,
        cost_usd: 1.5,
        occurred_at: '2026-11-26T12:00:00Z',
      }),
      usageEvent({ organization_id: ORG, api_key_id: KEY, cost_usd: 7, occurred_at: '2026-11-25T23:59:59Z' }),
      usageEvent({
        organization_id: OTHER_ORG,
        api_key_id: KEY,
        cost_usd: 100,
        occurred_at: '2026-11-26T12:00:00Z',
      }),
    ]
    for (const event of events) await ingestUsageEvent(db, event)
    const recorded = createSqlRecordedSpend(db)
    const day = new Date('2026-11-26T00:00:00Z')
    // 0.1 + 0.2 is 300_000_000 nano-USD exactly (no float sum).
    expect(await recorded.spentNanos(ORG, KEY, day)).toBe(300_000_000)
    expect(await recorded.spentNanos(ORG, null, day)).toBe(1_800_000_000)
    expect(await recorded.spentNanos(ORG, null, null)).toBe(8_800_000_000)
    // The start is inclusive.
    expect(await recorded.spentNanos(ORG, KEY, new Date('2026-11-26T12:00:00Z'))).toBe(200_000_000)
    expect(await recorded.spentNanos(OTHER_ORG, OTHER_KEY, null)).toBe(0)
  })

  it('rounds a fraction of a nano-dollar up, so a seeded counter never undercounts', async () => {
    const db = await database()
    await ingestUsageEvent(db, usageEvent({ organization_id: ORG, api_key_id: KEY, cost_usd: 0.0000000001 }))
    expect(await createSqlRecordedSpend(db).spentNanos(ORG, KEY, null)).toBe(1)
  })
}
