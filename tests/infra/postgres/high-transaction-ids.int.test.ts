import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendToStream } from '../../../infra/event-store/append.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import {
  readCheckpoint,
  type Subscription,
  startSubscription,
} from '../../../infra/event-store/subscription.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { type EventStore, NO_STREAM, type RecordedEvent } from '../../../infra/ports/event-store.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { type ScratchCluster, startScratchCluster } from '../../support/scratch-postgres.ts'
import { byPosition, newEvent } from '../contracts/test-database.ts'

// The event store on a real PostgreSQL whose transaction ids are where a busy cluster's get after
// years: epoch 256 puts the 64-bit id near 2^40 (positions near 2^56, past JS's 2^53), epoch 32767
// at 2^47 - 2^32 (positions near 2^63), then the id is set just below 2^47 - 1, the last one a
// position can hold, and runs past it. One cluster, moved forward only, as a real one moves.

const PROJECTED = 'high_xid_projection'
const TWO_POW_47 = 2n ** 47n

describe('event store at high transaction ids (scratch PostgreSQL cluster)', () => {
  let cluster: ScratchCluster | undefined
  let db: Database | undefined
  let store: EventStore
  const appended: bigint[] = []
  const projected: RecordedEvent[] = []

  async function connect(): Promise<Database> {
    await db?.close()
    db = createPostgresDatabase(cluster!.url, { max: 4 })
    store = createEventStore(db)
    return db
  }

  async function moveToEpoch(epoch: number): Promise<void> {
    await db?.close()
    db = undefined
    await cluster!.setEpoch(epoch)
    await connect()
  }

  const currentXid = async () =>
    BigInt((await db!.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0]!.xid)

  /** Catches the projection up once, from its stored checkpoint, like a restarted projector. */
  async function catchUp(): Promise<bigint> {
    const projection = {
      name: PROJECTED,
      handle: async (events: readonly RecordedEvent[]) => void projected.push(...events),
    }
    const subscription: Subscription = startSubscription(db!, store, projection, { idleMs: 60_000 })
    try {
      return await subscription.catchUp()
    } finally {
      await subscription.stop()
    }
  }

  /** Appends version `version` of stream `s` and a 3-event batch elsewhere; returns their positions. */
  async function appendRound(version: number): Promise<bigint[]> {
    const one = await store.append('s', [newEvent('Step', { version })], version - 1)
    const three = await store.append(`batch-${version}`, [newEvent(), newEvent(), newEvent()], NO_STREAM)
    const positions = [...one.positions, ...three.positions]
    appended.push(...positions)
    return positions
  }

  /** Every position, as the database and as JS see it, and the global and per-stream order. */
  async function expectLogExact(): Promise<RecordedEvent[]> {
    const all = await store.readAll({ after: 0n })
    const { rows } = await db!.query<{ text: string }>(
      'SELECT global_position::text AS text FROM events ORDER BY global_position',
    )
    expect(all.map((event) => event.global_position)).toEqual(appended)
    expect(rows.map((row) => row.text)).toEqual(appended.map(String))
    expect([...appended].sort(byPosition)).toEqual(appended)
    const stream = await store.readStream('s')
    expect(stream.map((event) => event.stream_version)).toEqual(stream.map((_, i) => i))
    expect([...stream.map((e) => e.global_position)].sort(byPosition)).toEqual(
      stream.map((e) => e.global_position),
    )
    return all
  }

  beforeAll(async () => {
    cluster = await startScratchCluster()
    await migrate(await connect())
  }, 120_000)

  afterAll(async () => {
    await db?.close()
    await cluster?.destroy()
  })

  it('epoch 0: an ordinary cluster appends, reads and checkpoints', async () => {
    const positions = await appendRound(0)
    expect(positions.every((position) => position < 2n ** 53n)).toBe(true)
    await expectLogExact()
    expect(await catchUp()).toBe(appended.at(-1))
  })

  it('epoch 256 (transaction id near 2^40): positions past 2^53 round-trip exactly and sort after the old ones', async () => {
    await moveToEpoch(256)
    expect((await currentXid()) >> 32n).toBe(256n)
    const positions = await appendRound(1)
    expect(positions.every((position) => position >> 16n >= 2n ** 40n)).toBe(true)
    await expectLogExact()
    // A retry of the whole batch is answered with the positions it got, exactly.
    const last = await store.readStream('batch-1')
    const retried = await store.append('batch-1', last, NO_STREAM)
    expect(retried.positions).toEqual(positions.slice(1))
    expect(await catchUp()).toBe(appended.at(-1))
    expect(await readCheckpoint(db!, PROJECTED)).toBe(appended.at(-1))
  })

  it('epoch 32767 (transaction id near 2^47 - 2^32): positions near 2^63 still round-trip, sort and resume from the checkpoint', async () => {
    await moveToEpoch(32767)
    const before = await readCheckpoint(db!, PROJECTED)
    const seenBefore = projected.length
    const positions = await appendRound(2)
    expect(positions.every((position) => position >> 16n >= TWO_POW_47 - 2n ** 32n)).toBe(true)
    expect(positions.every((position) => position > 2n ** 62n)).toBe(true)
    await expectLogExact()
    expect((await store.readAll({ after: before })).map((event) => event.global_position)).toEqual(positions)
    expect(await catchUp()).toBe(appended.at(-1))
    expect(projected.slice(seenBefore).map((event) => event.global_position)).toEqual(positions)
    expect(projected.map((event) => event.global_position)).toEqual(appended)
  })

  it('the last transaction id, 2^47 - 1: its 65 536 positions reach 2^63 - 1 exactly, and no more fit', async () => {
    await db?.close()
    db = undefined
    await cluster!.setNextTransactionId(32767, 0xffff_fff0)
    await connect()
    // Each autocommit SELECT of pg_current_xact_id() spends one id.
    while ((await currentXid()) < TWO_POW_47 - 2n) {}
    const before = await readCheckpoint(db!, PROJECTED)
    const first = newEvent('First')
    const rest = Array.from({ length: 65_535 }, () => newEvent())
    const positions = await db!.transaction(async (tx) => {
      const { rows } = await tx.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')
      expect(BigInt(rows[0]!.xid)).toBe(TWO_POW_47 - 1n)
      const one = await appendToStream(tx, 'last', [first], NO_STREAM)
      const many = await appendToStream(tx, 'last', rest, 0)
      await tx.query('SAVEPOINT no_room')
      await expect(appendToStream(tx, 'last-more', [newEvent()], NO_STREAM)).rejects.toMatchObject({
        code: 'TOO_MANY_EVENTS_IN_TRANSACTION',
        details: { requested: 1, available: 0 },
      })
      await tx.query('ROLLBACK TO SAVEPOINT no_room')
      return [...one.positions, ...many.positions]
    })
    expect(positions[0]).toBe(2n ** 63n - 65_536n)
    expect(positions.at(-1)).toBe(2n ** 63n - 1n)
    appended.push(...positions)
    const tail = await store.readAll({ after: before })
    expect(tail.map((event) => event.global_position)).toEqual(positions)
    expect((await store.readStream('last', { direction: 'backward', limit: 1 }))[0]?.id).toBe(rest.at(-1)?.id)
    expect(await catchUp()).toBe(2n ** 63n - 1n)
    expect(await store.readAll({ after: 2n ** 63n - 1n })).toEqual([])
  })

  it('past it (transaction id 2^47 and on): appends fail with POSITION_RANGE_EXHAUSTED, nothing wraps, the log stays readable', async () => {
    expect((await currentXid()) >= TWO_POW_47).toBe(true)
    await expect(store.append('s', [newEvent()], 2)).rejects.toMatchObject({
      code: 'POSITION_RANGE_EXHAUSTED',
      details: { limit: String(TWO_POW_47 - 1n) },
    })
    // Every event is below a horizon past 2^47 (read-all.sql's unbounded branch).
    await expectLogExact()
    expect(await catchUp()).toBe(appended.at(-1))
  })
})
