import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendToStream } from '../../../infra/event-store/append.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import type { Database, Sql } from '../../../infra/ports/database.ts'
import { type EventStore, NO_STREAM } from '../../../infra/ports/event-store.ts'
import { eventStoreContract } from '../contracts/event-store.contract.ts'
import { orderingContract } from '../contracts/event-store-ordering.contract.ts'
import { gate, newEvent, sleep, type TestDatabase } from '../contracts/test-database.ts'
import { makePostgres } from './fresh-schema.ts'

eventStoreContract('postgres', makePostgres('event_store'))

orderingContract('postgres, concurrent clients', makePostgres('ordering', 16), {
  numRuns: 25,
  maxWriters: 8,
  maxHoldMs: 25,
  timeLimitMs: 40_000,
})

// The race a `position > last` reader loses (ADR 0002), made deterministic by holding a
// transaction open while later appends commit.
describe('EventStore gap-free global order: postgres', () => {
  let handle: TestDatabase
  let db: Database
  let store: EventStore
  beforeAll(async () => {
    handle = await makePostgres('gap_free')()
    db = handle.db
    store = createEventStore(db)
  })
  afterAll(() => handle.dispose())

  const tail = async (after: number) => (await store.readAll({ after })).map((event) => event.id)
  const lastPosition = async () => (await store.readAll({ after: 0 })).at(-1)?.global_position ?? 0

  /** Runs `body` in a transaction that stays open until the returned release() is called. */
  async function holdOpen(body: (tx: Sql) => Promise<void>) {
    const release = gate()
    const ready = gate()
    const done = db.transaction(async (tx) => {
      await body(tx)
      ready.open()
      await release.opened
    })
    await ready.opened
    return async () => {
      release.open()
      await done
    }
  }

  /** Waits out other sessions' transactions on the shared server before asserting emptiness. */
  async function settled(after: number, expected: number): Promise<string[]> {
    for (let i = 0; i < 200; i++) {
      const ids = await tail(after)
      if (ids.length >= expected) return ids
      await sleep(25)
    }
    return tail(after)
  }

  it('hides events committed after an open append until it commits, then returns all once, in order', async () => {
    const start = await lastPosition()
    const held = newEvent('Held')
    const later = [newEvent('Later1'), newEvent('Later2')]
    let heldPosition = 0
    const commit = await holdOpen(async (tx) => {
      heldPosition = (await appendToStream(tx, 'gap-a', [held], NO_STREAM)).positions[0] ?? 0
    })
    const laterPositions = [
      ...(await store.append('gap-b', [later[0]!], NO_STREAM)).positions,
      ...(await store.append('gap-c', [later[1]!], NO_STREAM)).positions,
    ]
    expect(Math.min(...laterPositions)).toBeGreaterThan(heldPosition)
    expect(await tail(start)).toEqual([])
    await commit()
    expect(await settled(start, 3)).toEqual([held.id, ...later.map((event) => event.id)])
  })

  it('an old transaction that appends after younger ones committed still sorts first', async () => {
    const start = await lastPosition()
    const young = newEvent('Young')
    const old = newEvent('Old')
    let appendOld: () => Promise<void> = async () => {}
    const commit = await holdOpen(async (tx) => {
      await tx.query('SELECT pg_current_xact_id()')
      appendOld = async () => {
        await appendToStream(tx, 'gap-old', [old], NO_STREAM)
      }
    })
    await store.append('gap-young', [young], NO_STREAM)
    expect(await tail(start)).toEqual([])
    await appendOld()
    expect(await tail(start)).toEqual([])
    await commit()
    const ids = await settled(start, 2)
    expect(ids).toEqual([old.id, young.id])
    expect(await tail((await store.readAll({ after: start })).at(-1)?.global_position ?? 0)).toEqual([])
  })
})
