import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendToStream } from '../../../infra/event-store/append.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { type EventStore, type NewEvent, NO_STREAM } from '../../../infra/ports/event-store.ts'
import { byPosition, type MakeDatabase, newEvent, readable, type TestDatabase } from './test-database.ts'

// The EventStore port on the SQL database: one suite, run against PostgreSQL and PGlite.
export function eventStoreContract(name: string, makeDb: MakeDatabase): void {
  describe(`EventStore contract: ${name}`, () => {
    let handle: TestDatabase
    let db: Database
    let store: EventStore
    let streamCount = 0
    const freshStream = () => `stream-${++streamCount}`
    // Rows written, whatever a reader may see yet: "nothing written" is about the table.
    const countAll = async () =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]?.n ?? 0
    const head = async () =>
      BigInt(
        (await db.query<{ p: string }>('SELECT max(global_position)::text AS p FROM events')).rows[0]?.p ??
          '0',
      )

    beforeAll(async () => {
      handle = await makeDb()
      db = handle.db
      store = createEventStore(db)
    })
    afterAll(() => handle.dispose())

    it('appends to a new stream and reads the events back with every field', async () => {
      const stream = freshStream()
      const events = [newEvent('OrgCreated', { name: 'acme' }), newEvent('OrgRenamed', { name: 'acme 2' })]
      const result = await store.append(stream, events, NO_STREAM)
      expect(result.stream_version).toBe(1)
      expect(result.positions).toHaveLength(2)
      expect(result.positions[1]).toBeGreaterThan(result.positions[0] ?? 2n ** 63n)
      const read = await store.readStream(stream)
      expect(read.map(({ recorded_at: _, ...rest }) => rest)).toEqual(
        events.map((event, i) => ({
          ...event,
          stream,
          stream_version: i,
          global_position: result.positions[i],
        })),
      )
      expect(read[0]?.recorded_at).toBeInstanceOf(Date)
    })

    it('appends at the expected version and refuses another with VERSION_CONFLICT', async () => {
      const stream = freshStream()
      await store.append(stream, [newEvent()], NO_STREAM)
      expect((await store.append(stream, [newEvent()], 0)).stream_version).toBe(1)
      const before = await countAll()
      await expect(store.append(stream, [newEvent()], 0)).rejects.toMatchObject({
        code: 'VERSION_CONFLICT',
        details: { stream, expected: 0, actual: 1 },
      })
      expect(await countAll()).toBe(before)
    })

    it('NO_STREAM fails on an existing stream; a version fails on a missing one', async () => {
      const stream = freshStream()
      await store.append(stream, [newEvent()], NO_STREAM)
      await expect(store.append(stream, [newEvent()], NO_STREAM)).rejects.toMatchObject({
        code: 'VERSION_CONFLICT',
        details: { stream, expected: -1, actual: 0 },
      })
      const missing = freshStream()
      await expect(store.append(missing, [newEvent()], 3)).rejects.toMatchObject({
        code: 'VERSION_CONFLICT',
        details: { stream: missing, expected: 3, actual: -1 },
      })
    })

    it("'any' appends whatever the version", async () => {
      const stream = freshStream()
      expect((await store.append(stream, [newEvent()], 'any')).stream_version).toBe(0)
      expect((await store.append(stream, [newEvent(), newEvent()], 'any')).stream_version).toBe(2)
    })

    it('an empty batch writes nothing but still checks the version', async () => {
      const stream = freshStream()
      await store.append(stream, [newEvent()], NO_STREAM)
      expect(await store.append(stream, [], 0)).toEqual({ stream_version: 0, positions: [] })
      await expect(store.append(stream, [], 5)).rejects.toMatchObject({ code: 'VERSION_CONFLICT' })
    })

    it('a retried batch returns the first positions and writes nothing, even after the stream moved on', async () => {
      const stream = freshStream()
      const batch = [newEvent(), newEvent()]
      const first = await store.append(stream, batch, NO_STREAM)
      expect(await store.append(stream, batch, NO_STREAM)).toEqual(first)
      await store.append(stream, [newEvent()], 1)
      const before = await countAll()
      expect(await store.append(stream, batch, NO_STREAM)).toEqual(first)
      expect(await store.append(stream, batch, 'any')).toEqual(first)
      expect(await countAll()).toBe(before)
      expect((await store.readStream(stream)).map((event) => event.id)).toHaveLength(3)
    })

    it('the same ids with other content, stream or batch: IDEMPOTENCY_CONFLICT, nothing written', async () => {
      const stream = freshStream()
      const stored = newEvent('KeyIssued', { key: 'k1' })
      await store.append(stream, [stored], NO_STREAM)
      const before = await countAll()
      const other = freshStream()
      const fresh = newEvent()
      const attempts = [
        () => store.append(stream, [{ ...stored, type: 'KeyRevoked' }], 'any'),
        () => store.append(stream, [{ ...stored, data: { key: 'k2' } }], 'any'),
        () => store.append(stream, [{ ...stored, schema_version: 2 }], 'any'),
        () => store.append(other, [stored], 'any'),
        () => store.append(stream, [stored, fresh], 'any'),
        () => store.append(stream, [fresh, stored], 'any'),
        () => store.append(stream, [fresh, stored], 0),
      ]
      for (const attempt of attempts) {
        await expect(attempt()).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' })
      }
      expect(await countAll()).toBe(before)
      expect(await store.readStream(other)).toEqual([])
    })

    it('a retry must be the whole batch: a prefix, a part, a superset or a reordering is IDEMPOTENCY_CONFLICT', async () => {
      const stream = freshStream()
      const batch = [newEvent('A'), newEvent('B'), newEvent('C')]
      const first = await store.append(stream, batch, NO_STREAM)
      const [a, b, c] = batch as [NewEvent, NewEvent, NewEvent]
      const before = await countAll()
      const retries = [[a], [a, b], [b, c], [c], [a, b, c, newEvent('D')], [b, a, c]]
      for (const retry of retries) {
        await expect(store.append(stream, retry, 'any')).rejects.toMatchObject({
          code: 'IDEMPOTENCY_CONFLICT',
        })
        await expect(store.append(stream, retry, NO_STREAM)).rejects.toMatchObject({
          code: 'IDEMPOTENCY_CONFLICT',
        })
      }
      expect(await countAll()).toBe(before)
      expect(await store.append(stream, batch, NO_STREAM)).toEqual(first)
    })

    it('two batches of the same size are not one: ids from both are IDEMPOTENCY_CONFLICT', async () => {
      const stream = freshStream()
      const one = [newEvent(), newEvent()]
      const two = [newEvent(), newEvent()]
      await store.append(stream, one, NO_STREAM)
      await store.append(stream, two, 1)
      await expect(store.append(stream, [one[1]!, two[0]!], 'any')).rejects.toMatchObject({
        code: 'IDEMPOTENCY_CONFLICT',
      })
      await expect(store.append(stream, [one[0]!, two[1]!], 'any')).rejects.toMatchObject({
        code: 'IDEMPOTENCY_CONFLICT',
      })
    })

    it('refuses a batch that repeats an id', async () => {
      const event = newEvent()
      await expect(store.append(freshStream(), [event, event], 'any')).rejects.toMatchObject({
        code: 'INVALID_APPEND',
      })
    })

    it('reads a stream forward and backward from a version with a limit', async () => {
      const stream = freshStream()
      await store.append(
        stream,
        [0, 1, 2, 3, 4].map((i) => newEvent('Step', { i })),
        NO_STREAM,
      )
      const versions = async (options: Parameters<EventStore['readStream']>[1]) =>
        (await store.readStream(stream, options)).map((event) => event.stream_version)
      expect(await versions({})).toEqual([0, 1, 2, 3, 4])
      expect(await versions({ from: 2, limit: 2 })).toEqual([2, 3])
      expect(await versions({ direction: 'backward' })).toEqual([4, 3, 2, 1, 0])
      expect(await versions({ direction: 'backward', from: 3, limit: 2 })).toEqual([3, 2])
      expect(await versions({ direction: 'backward', limit: 1 })).toEqual([4])
      expect(await store.readStream('no-such-stream')).toEqual([])
    })

    it('pages through the global log in order, each event once', async () => {
      await readable(store, await head())
      const all = await store.readAll({ after: 0n })
      expect(all.length).toBeGreaterThan(10)
      const paged = []
      let after = 0n
      for (;;) {
        const page = await store.readAll({ after, limit: 3 })
        if (page.length === 0) break
        expect(page.length).toBeLessThanOrEqual(3)
        paged.push(...page)
        after = page.at(-1)?.global_position ?? after
      }
      expect(paged).toEqual(all)
      const positions = all.map((event) => event.global_position)
      expect(positions).toEqual([...positions].sort(byPosition))
      expect(new Set(positions).size).toBe(positions.length)
    })

    it('orders the global log by position as a number, across positions of different lengths', async () => {
      const fresh = await makeDb()
      try {
        // Transaction ids 15 and 16 (long committed in any cluster): positions 983040 and 1048576,
        // which sort the other way round as text.
        const old = [newEvent('Xid15'), newEvent('Xid16')]
        for (const [i, xid] of [15n, 16n].entries()) {
          await fresh.db.query(
            `INSERT INTO events (global_position, id, stream, stream_version, type, schema_version, data,
                                 metadata, transaction_id, recorded_at, batch_index, batch_size)
             VALUES ($1, $2, 'old', $3, 'Old', 1, '{}', '{}', $4::text::xid8, now(), 0, 1)`,
            [String(xid << 16n), old[i]!.id, i, String(xid)],
          )
        }
        const read = await createEventStore(fresh.db).readAll({ after: 0n })
        expect(read.map((event) => event.global_position)).toEqual([983040n, 1048576n])
        expect(await createEventStore(fresh.db).readAll({ after: 983040n })).toHaveLength(1)
      } finally {
        await fresh.dispose()
      }
    })

    it('appends inside a caller transaction: positions keep increasing, a rollback writes nothing', async () => {
      const stream = freshStream()
      const result = await db.transaction(async (tx) => {
        const first = await appendToStream(tx, stream, [newEvent()], NO_STREAM)
        const second = await appendToStream(tx, stream, [newEvent()], 0)
        return [...first.positions, ...second.positions]
      })
      expect(result[1]).toBeGreaterThan(result[0] ?? 2n ** 63n)
      const lost = freshStream()
      await expect(
        db.transaction(async (tx) => {
          await appendToStream(tx, lost, [newEvent()], NO_STREAM)
          throw new Error('roll back')
        }),
      ).rejects.toThrow('roll back')
      expect(await store.readStream(lost)).toEqual([])
      await readable(store, result[1] ?? 0n)
      const tail = await store.readAll({ after: (result[0] ?? 0n) - 1n })
      expect(tail.map((event) => event.global_position).slice(0, 2)).toEqual(result)
    })

    it('refuses more than 65536 events in one transaction (TOO_MANY_EVENTS_IN_TRANSACTION)', async () => {
      await expect(db.query('SELECT allocate_global_positions(65537)')).rejects.toMatchObject({
        code: 'AE003',
      })
    })

    it('refuses to append below a log restored from a cluster with higher transaction ids', async () => {
      const restored = await makeDb()
      try {
        const { rows } = await restored.db.query<{ xid: number }>(
          'SELECT pg_current_xact_id()::text::bigint + 1000000 AS xid',
        )
        const xid = rows[0]?.xid ?? 0
        const old = newEvent()
        await restored.db.query(
          `INSERT INTO events (global_position, id, stream, stream_version, type, schema_version, data, metadata,
                               transaction_id, recorded_at, batch_index, batch_size)
           VALUES ($1, $2, 'old', 0, 'Old', 1, '{}', '{}', $3::text::xid8, now(), 0, 1)`,
          [String(BigInt(xid) * 65536n), old.id, String(xid)],
        )
        await expect(
          createEventStore(restored.db).append('new', [newEvent()], NO_STREAM),
        ).rejects.toMatchObject({
          code: 'EVENT_LOG_AHEAD_OF_CLUSTER',
          details: { log_transaction_id: xid },
        })
      } finally {
        await restored.dispose()
      }
    })
  })
}
