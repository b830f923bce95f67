import { describe, expect, it } from 'vitest'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { migratedPglite } from '../../infra/pglite/fresh-pglite.ts'
import { usageEvent } from '../../support/usage-event.ts'

// Examples of a batch's outcome; the general claim (rollups = GROUP BY over the distinct raw
// events, for any duplicates, order and batching) is the property test beside this file.
const database = migratedPglite

const NOW = new Date('2026-11-26T10:00:00Z')
const at = (iso: string) => ({ occurred_at: iso })

describe('ingest of a batch', () => {
  it('stores new events once and counts repeats, within a batch and across batches', async () => {
    const db = await database()
    const [a, b] = [usageEvent(at('2026-11-26T09:00:00Z')), usageEvent(at('2026-11-26T09:30:00Z'))]
    expect(await ingestUsageBatch(db, [a, a, b], NOW)).toEqual({ rejected: [], stored: 2, duplicates: 1 })
    expect(await ingestUsageBatch(db, [b, a], NOW)).toEqual({ rejected: [], stored: 0, duplicates: 2 })
    const { rows } = await db.query<{ n: number }>('SELECT sum(requests)::int AS n FROM usage_rollup_hour')
    expect(rows[0]?.n).toBe(2)
  })

  it('refuses for good what it can never store, with why, and stores the rest of the batch', async () => {
    const db = await database()
    const bad = usageEvent({ organization_id: 'acme', ...at('2026-11-26T09:00:00Z') })
    const ahead = usageEvent(at('2026-11-28T10:00:00Z'))
    const good = usageEvent(at('2026-11-26T09:00:00Z'))
    expect(await ingestUsageBatch(db, [bad, ahead, good], NOW)).toEqual({
      rejected: [
        { id: bad.id, reason: 'organization_id is not a UUID' },
        { id: ahead.id, reason: 'occurred_at is more than a day ahead of ingest' },
      ],
      stored: 1,
      duplicates: 0,
    })
  })

  it('records freshness: the organization’s newest event, and complete_through on an idle heartbeat', async () => {
    const db = await database()
    const event = usageEvent(at('2026-11-26T09:59:00Z'))
    await ingestUsageBatch(db, [event], NOW)
    const org = await db.query('SELECT last_occurred_at, last_ingested_at FROM usage_org_freshness')
    expect(org.rows).toEqual([{ last_occurred_at: new Date(event.occurred_at), last_ingested_at: NOW }])
    const state = () =>
      db.query('SELECT complete_through, last_batch_at, last_batch_events FROM usage_ingest_state')
    expect((await state()).rows[0]).toEqual({
      complete_through: new Date(event.occurred_at),
      last_batch_at: NOW,
      last_batch_events: 1,
    })
    const later = new Date('2026-11-26T10:00:05Z')
    await ingestUsageBatch(db, [], later)
    expect((await state()).rows[0]).toMatchObject({ complete_through: later, last_batch_at: NOW })
  })
})
