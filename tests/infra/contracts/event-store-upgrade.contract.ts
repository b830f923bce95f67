import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendToStream } from '../../../infra/event-store/append.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { loadMigrations, migrate } from '../../../infra/migrations/migrate.ts'
import { type EventStore, NO_STREAM } from '../../../infra/ports/event-store.ts'
import { type MakeDatabase, newEvent, type TestDatabase } from './test-database.ts'

// A database with events written by the first event-store functions (0001-0005) upgrades: 0006
// backfills each event's place in its batch, and retries of those old batches behave as the
// migration's comment says (whole batch: the stored answer; part of one: refused).

export function eventStoreUpgradeContract(name: string, makeDb: MakeDatabase): void {
  describe(`EventStore upgrade from 0005: ${name}`, () => {
    let handle: TestDatabase
    let store: EventStore
    const single = [newEvent('A0'), newEvent('A1')]
    const twice = [[newEvent('B0')], [newEvent('B1'), newEvent('B2')]] as const
    let singlePositions: bigint[] = []

    beforeAll(async () => {
      handle = await makeDb({ migrated: false })
      await migrate(
        handle.db,
        loadMigrations().filter((migration) => migration.id < '0006'),
      )
      store = createEventStore(handle.db)
      singlePositions = (await store.append('old-a', single, NO_STREAM)).positions
      // Two appends to one stream in one transaction: one (transaction, stream) group.
      await handle.db.transaction(async (tx) => {
        await appendToStream(tx, 'old-b', twice[0], NO_STREAM)
        await appendToStream(tx, 'old-b', twice[1], 0)
      })
      await migrate(handle.db)
    })
    afterAll(() => handle.dispose())

    it('backfills batch_index and batch_size per transaction and stream', async () => {
      const { rows } = await handle.db.query<{ type: string; batch_index: number; batch_size: number }>(
        'SELECT type, batch_index, batch_size FROM events ORDER BY global_position',
      )
      expect(rows).toEqual([
        { type: 'A0', batch_index: 0, batch_size: 2 },
        { type: 'A1', batch_index: 1, batch_size: 2 },
        { type: 'B0', batch_index: 0, batch_size: 3 },
        { type: 'B1', batch_index: 1, batch_size: 3 },
        { type: 'B2', batch_index: 2, batch_size: 3 },
      ])
    })

    it('a whole old batch retried gets its stored answer; a prefix of it is refused', async () => {
      expect(await store.append('old-a', single, NO_STREAM)).toEqual({
        stream_version: 1,
        positions: singlePositions,
      })
      await expect(store.append('old-a', [single[0]!], 'any')).rejects.toMatchObject({
        code: 'IDEMPOTENCY_CONFLICT',
      })
    })

    it('either of two appends merged by the backfill is refused, never half-accepted', async () => {
      for (const batch of twice) {
        await expect(store.append('old-b', batch, 'any')).rejects.toMatchObject({
          code: 'IDEMPOTENCY_CONFLICT',
        })
      }
      expect((await store.readStream('old-b')).map((event) => event.type)).toEqual(['B0', 'B1', 'B2'])
    })

    it('new appends after the upgrade record their batch and continue the stream', async () => {
      const next = [newEvent('A2'), newEvent('A3')]
      const { positions } = await store.append('old-a', next, 1)
      expect(positions[0]).toBeGreaterThan(singlePositions[1] ?? 2n ** 63n)
      expect(await store.append('old-a', next, 'any')).toEqual({ stream_version: 3, positions })
    })
  })
}
