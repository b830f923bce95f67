import { describe, expect, it } from 'vitest'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { maintainPartitions, partitionDays, rawHorizon } from '../../../projections/usage/partitions.ts'
import { migratedPglite } from '../../infra/pglite/fresh-pglite.ts'
import { usageEvent } from '../../support/usage-event.ts'

const database = migratedPglite

const NOW = new Date('2026-11-26T10:00:00Z')
const policy = { aheadDays: 2, retentionDays: 90 }

describe("usage_raw's daily partitions", () => {
  it('are created from yesterday to the days ahead, once', async () => {
    const db = await database()
    expect((await maintainPartitions(db, NOW, policy)).created).toEqual([
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
    ])
    expect((await maintainPartitions(db, NOW, policy)).created).toEqual([])
    expect(await partitionDays(db)).toEqual(['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'])
  })

  it('drop whole days out of retention, and from then refuse events older than the horizon', async () => {
    const db = await database()
    const old = usageEvent({ occurred_at: '2026-08-01T12:00:00Z' })
    const kept = usageEvent({ occurred_at: '2026-09-01T12:00:00Z' })
    await ingestUsageBatch(db, [old, kept], new Date('2026-09-01T13:00:00Z'))
    const { dropped } = await maintainPartitions(db, NOW, policy)
    expect(dropped).toEqual(['2026-08-01'])
    expect(await rawHorizon(db)).toEqual(new Date('2026-08-28T00:00:00Z'))
    const replayed = await ingestUsageBatch(db, [old, kept], NOW)
    expect(replayed.rejected).toEqual([
      { id: old.id, reason: 'occurred_at is before the raw retention horizon 2026-08-28T00:00:00.000Z' },
    ])
    const { rows } = await db.query<{ requests: string }>(
      'SELECT sum(requests)::text AS requests FROM usage_rollup_day',
    )
    expect(rows[0]?.requests).toBe('2')
  })

  it('are created by ingest for a day no maintenance made yet', async () => {
    const db = await database()
    await ingestUsageBatch(db, [usageEvent({ occurred_at: '2026-03-03T03:03:03Z' })], NOW)
    expect(await partitionDays(db)).toEqual(['2026-03-03'])
  })
})
