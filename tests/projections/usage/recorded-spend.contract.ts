import { expect, it } from 'vitest'
import type { Database } from '../../../infra/ports/database.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { maintainPartitions } from '../../../projections/usage/partitions.ts'
import { createSqlRecordedSpend } from '../../../projections/usage/recorded-spend.ts'
import { usageEvent as anyEvent } from '../../support/usage-event.ts'

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
    for (const event of events) await ingestUsageBatch(db, [event], new Date())
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
    await ingestUsageBatch(
      db,
      [usageEvent({ organization_id: ORG, api_key_id: KEY, cost_usd: 0.0000000001 })],
      new Date(),
    )
    expect(await createSqlRecordedSpend(db).spentNanos(ORG, KEY, null)).toBe(1)
  })

  it('reads a start inside a day from the minute, hour and day rollups without gap or overlap', async () => {
    const db = await database()
    const at = [
      '2026-11-20T10:29:59Z',
      '2026-11-20T10:30:00Z',
      '2026-11-20T10:59:00Z',
      '2026-11-20T11:00:00Z',
    ]
    const later = ['2026-11-20T23:59:59Z', '2026-11-21T00:00:00Z', '2026-11-22T05:00:00Z']
    const cents = [...at, ...later].map((occurred_at, i) =>
      usageEvent({ organization_id: ORG, api_key_id: KEY, cost_usd: 0.01 * 2 ** i, occurred_at }),
    )
    await ingestUsageBatch(db, cents, new Date('2026-11-22T06:00:00Z'))
    // From 10:30 every event but the first: 2 + 4 + … + 64 cents.
    const from = new Date('2026-11-20T10:30:00Z')
    expect(await createSqlRecordedSpend(db).spentNanos(ORG, KEY, from)).toBe(1_260_000_000)
    // A start inside a minute counts that whole minute (a seed never undercounts).
    expect(await createSqlRecordedSpend(db).spentNanos(ORG, KEY, new Date('2026-11-20T10:29:30Z'))).toBe(
      1_270_000_000,
    )
  })

  it('still counts spend whose raw events retention has dropped', async () => {
    const db = await database()
    const old = usageEvent({
      organization_id: ORG,
      api_key_id: KEY,
      cost_usd: 3,
      occurred_at: '2026-01-05T08:00:00Z',
    })
    await ingestUsageBatch(db, [old], new Date('2026-01-05T09:00:00Z'))
    const { dropped } = await maintainPartitions(db, new Date('2026-11-26T00:00:00Z'), {
      aheadDays: 1,
      retentionDays: 90,
    })
    expect(dropped).toContain('2026-01-05')
    expect(await createSqlRecordedSpend(db).spentNanos(ORG, null, null)).toBe(3_000_000_000)
    const raw = await db.query('SELECT count(*)::int AS n FROM usage_raw WHERE organization_id = $1', [ORG])
    expect(raw.rows[0]).toEqual({ n: 0 })
  })
}
