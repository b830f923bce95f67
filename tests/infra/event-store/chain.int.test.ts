import { afterEach, describe, expect, it } from 'vitest'
import { verifyChain } from '../../../infra/event-store/chain-verify.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { type Subscription, startSubscription } from '../../../infra/event-store/subscription.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { newEvent } from '../contracts/test-database.ts'
import { makePostgres } from '../postgres/fresh-schema.ts'

// The chain on the real PostgreSQL: the chaining subscription catches up with concurrent appends,
// and verify names the first position where a row altered or deleted in SQL breaks it.
const makeDb = makePostgres('chain')
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** Polls until the chain reaches the last event; 60 s is a generous bound on a shared server. */
async function chainedUpTo(db: Database, chain: Subscription): Promise<void> {
  const { rows } = await db.query<{ head: string }>('SELECT max(global_position)::text AS head FROM events')
  const head = BigInt(rows[0]!.head)
  const deadline = Date.now() + 60_000
  while ((await chain.catchUp()) < head) {
    if (Date.now() > deadline) throw new Error(`the chain did not reach position ${head} in 60 s`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function chainedLog(): Promise<{ db: Database; positions: string[] }> {
  const { db, dispose } = await makeDb()
  cleanup.push(dispose)
  const store = createEventStore(db)
  // Parallel appends to 8 streams: the chain must still be one line in global order.
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      store.append(
        `thing-${i}`,
        [newEvent('ThingHappened', { n: i, nested: { b: 1.5, a: [i, 'é'] } }), newEvent()],
        -1,
      ),
    ),
  )
  const chain = startSubscription(db, store, eventChainProjection, { batchSize: 5, idleMs: 20 })
  cleanup.push(() => chain.stop())
  // Gap-free reads wait for the server's older transactions (other tests share it): poll.
  await chainedUpTo(db, chain)
  const { rows } = await db.query<{ p: string }>(
    'SELECT global_position::text AS p FROM events ORDER BY global_position',
  )
  return { db, positions: rows.map((r) => r.p) }
}

describe('event chain', { timeout: 120_000 }, () => {
  it('chains every event and verifies clean', async () => {
    const { db, positions } = await chainedLog()
    expect(positions).toHaveLength(16)
    expect(await verifyChain(db, { pageSize: 3 })).toEqual({ ok: true, checked: 16 })
  })

  it('names the position of an event whose data was altered in SQL', async () => {
    const { db, positions } = await chainedLog()
    const target = positions[6]!
    await db.query(`UPDATE events SET data = '{"n": 999}' WHERE global_position = $1`, [target])
    const report = await verifyChain(db, { pageSize: 4 })
    expect(report.ok).toBe(false)
    expect(report.checked).toBe(6)
    expect(report.first_break?.global_position).toBe(target)
    expect(report.first_break?.expected).toMatch(/^[0-9a-f]{64}$/)
    expect(report.first_break?.found).not.toBe(report.first_break?.expected)
  })

  it('names the position of a deleted event', async () => {
    const { db, positions } = await chainedLog()
    const target = positions[11]!
    await db.query('DELETE FROM events WHERE global_position = $1', [target])
    const report = await verifyChain(db)
    expect(report).toMatchObject({
      ok: false,
      checked: 11,
      first_break: { global_position: target, found: null },
    })
  })

  it('reports events appended after the chain head as unchained, not broken', async () => {
    const { db, positions } = await chainedLog()
    await createEventStore(db).append('thing-late', [newEvent()], -1)
    expect(await verifyChain(db)).toEqual({ ok: true, checked: 16, unchained_after: positions.at(-1) })
  })
})
