import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import {
  type Projection,
  readCheckpoint,
  type Subscription,
  startSubscription,
  waitForCheckpoint,
} from '../../../infra/event-store/subscription.ts'
import type { Database, Sql } from '../../../infra/ports/database.ts'
import type { EventStore, RecordedEvent } from '../../../infra/ports/event-store.ts'
import { gate, type MakeDatabase, newEvent, readable, sleep, type TestDatabase } from './test-database.ts'

// Checkpointed subscriptions: one suite, run against PostgreSQL and PGlite.

interface ProjectionState {
  /** Event type the projection throws on. */
  fail: string | undefined
  /** Ids handled, in order (including those of batches that rolled back). */
  seen: string[]
}

/** Writes one row per event into its own table. */
function tableProjection(name: string) {
  const state: ProjectionState = { fail: undefined, seen: [] }
  const projection: Projection = {
    name,
    async handle(events: readonly RecordedEvent[], tx: Sql) {
      for (const event of events) {
        await tx.query(`INSERT INTO ${name} (id, position) VALUES ($1, $2)`, [
          event.id,
          event.global_position,
        ])
        if (event.type === state.fail) throw new Error(`cannot project ${event.type}`)
        state.seen.push(event.id)
      }
    },
  }
  return { projection, state }
}

export function subscriptionContract(name: string, makeDb: MakeDatabase): void {
  describe(`Subscription contract: ${name}`, () => {
    let handle: TestDatabase
    let db: Database
    let store: EventStore
    let tables = 0
    const running: Subscription[] = []
    const start = (projection: Projection, options: Parameters<typeof startSubscription>[3] = {}) => {
      const subscription = startSubscription(db, store, projection, { idleMs: 20, retryMs: 20, ...options })
      running.push(subscription)
      return subscription
    }
    const newProjection = async () => {
      const table = `projected_${++tables}`
      await db.query(`CREATE TABLE ${table} (id uuid PRIMARY KEY, position bigint NOT NULL)`)
      return { table, ...tableProjection(table) }
    }
    /** Appends and waits until a reader of the log sees the events: a test that asserts what one pass applies. */
    const appended = async (stream: string, events: Parameters<EventStore['append']>[1]) => {
      const result = await store.append(stream, events, 'any')
      await readable(store, result.positions.at(-1) ?? 0n)
      return result
    }
    const rows = async (table: string) =>
      (await db.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY position`)).rows.map((row) => row.id)

    beforeAll(async () => {
      handle = await makeDb()
      db = handle.db
      store = createEventStore(db)
    })
    afterEach(async () => {
      await Promise.all(running.splice(0).map((subscription) => subscription.stop()))
    })
    afterAll(() => handle.dispose())

    it('projects the log and persists its checkpoint', async () => {
      const { table, projection } = await newProjection()
      const events = [newEvent(), newEvent(), newEvent()]
      const { positions } = await appended('sub-a', events)
      const subscription = start(projection, { batchSize: 2, idleMs: 60_000 })
      const last = positions.at(-1) ?? 0n
      expect(await subscription.catchUp()).toBeGreaterThanOrEqual(last)
      expect(await readCheckpoint(db, table)).toBeGreaterThanOrEqual(last)
      expect(await rows(table)).toEqual(expect.arrayContaining(events.map((event) => event.id)))
      expect(await readCheckpoint(db, 'never-started')).toBe(0n)
    })

    it('a failing batch changes neither the read model nor the checkpoint, and is retried once fixed', async () => {
      const { table, projection, state } = await newProjection()
      const subscription = start(projection, { idleMs: 60_000 })
      state.fail = 'Poison'
      const batch = [newEvent('Fine'), newEvent('Poison')]
      const { positions } = await appended('sub-b', batch)
      await expect(subscription.catchUp()).rejects.toThrow('cannot project Poison')
      // Earlier events of the log may have been projected (a read stops at the oldest running
      // transaction of the cluster, so batches split where they will), but nothing of the failing
      // transaction: neither its rows nor a checkpoint at or past it.
      expect(await readCheckpoint(db, table)).toBeLessThan(positions[0] ?? 0n)
      expect(await rows(table)).not.toContain(batch[0]?.id)
      state.fail = undefined
      expect(await subscription.catchUp()).toBeGreaterThanOrEqual(positions.at(-1) ?? 0n)
      expect(await rows(table)).toEqual(expect.arrayContaining(batch.map((event) => event.id)))
    })

    it('reports a failing batch through onError and retries it in the background', async () => {
      const { table, projection, state } = await newProjection()
      const errors: unknown[] = []
      state.fail = 'Poison'
      const { positions } = await appended('sub-c', [newEvent('Poison')])
      start(projection, { onError: (error) => errors.push(error) })
      while (errors.length < 2) await sleep(10)
      expect(await readCheckpoint(db, table)).toBeLessThan(positions[0] ?? 0n)
      state.fail = undefined
      expect(await waitForCheckpoint(db, table, positions.at(-1) ?? 0n, 5_000)).toBe(true)
    })

    it('resumes from its checkpoint after a restart', async () => {
      const { table, projection, state } = await newProjection()
      const first = start(projection, { idleMs: 60_000 })
      await appended('sub-d', [newEvent()])
      await first.catchUp()
      await first.stop()
      const seenBefore = state.seen.length
      const later = [newEvent(), newEvent()]
      await appended('sub-d', later)
      const second = start(projection, { idleMs: 60_000 })
      await second.catchUp()
      expect(state.seen.slice(seenBefore)).toEqual(later.map((event) => event.id))
      expect(await rows(table)).toHaveLength(state.seen.length)
    })

    it('a running subscription follows a checkpoint reset and rebuilds its read model', async () => {
      const { table, projection } = await newProjection()
      const subscription = start(projection, { idleMs: 60_000 })
      await appended('sub-reset', [newEvent(), newEvent()])
      const checkpoint = await subscription.catchUp()
      const built = await rows(table)
      await db.transaction(async (tx) => {
        await tx.query(`DELETE FROM ${table}`)
        await tx.query('UPDATE subscription_checkpoints SET position = 0 WHERE name = $1', [table])
      })
      expect(await subscription.catchUp()).toBe(checkpoint)
      expect(await rows(table)).toEqual(built)
    })

    it('wake() starts a pass without waiting for the poll', async () => {
      const { table, projection } = await newProjection()
      const subscription = start(projection, { idleMs: 60_000 })
      await subscription.catchUp()
      const { positions } = await appended('sub-e', [newEvent()])
      subscription.wake()
      expect(await waitForCheckpoint(db, table, positions.at(-1) ?? 0n, 2_000)).toBe(true)
    })

    it('polls on its own when idle', async () => {
      const { table, projection } = await newProjection()
      start(projection, { idleMs: 10 })
      const { positions } = await appended('sub-f', [newEvent()])
      expect(await waitForCheckpoint(db, table, positions.at(-1) ?? 0n, 5_000)).toBe(true)
    })

    it('waitForCheckpoint answers false when the position is not reached in time', async () => {
      expect(await waitForCheckpoint(db, 'never-started', 1n, 50)).toBe(false)
    })

    it('stop() lets the batch in progress commit', async () => {
      const { table } = await newProjection()
      const release = gate()
      const entered = gate()
      let inProgress = 0n
      const slow: Projection = {
        name: table,
        async handle(events, tx) {
          inProgress = events.at(-1)?.global_position ?? 0n
          entered.open()
          await release.opened
          for (const event of events) {
            await tx.query(`INSERT INTO ${table} (id, position) VALUES ($1, $2)`, [
              event.id,
              event.global_position,
            ])
          }
        },
      }
      await appended('sub-g', [newEvent()])
      const subscription = startSubscription(db, store, slow, { idleMs: 10 })
      await entered.opened
      const stopped = subscription.stop()
      await sleep(20)
      release.open()
      await stopped
      // The batch that was in progress when stop() was called committed, its checkpoint with it.
      expect(inProgress).toBeGreaterThan(0n)
      expect(await readCheckpoint(db, table)).toBe(inProgress)
      await expect(subscription.catchUp()).rejects.toMatchObject({ code: 'SUBSCRIPTION_STOPPED' })
    })

    it('two instances of one subscription apply each event once', async () => {
      const { table, projection, state } = await newProjection()
      const events = Array.from({ length: 30 }, () => newEvent())
      for (const event of events) await appended('sub-h', [event])
      const a = start(projection, { batchSize: 3, idleMs: 5 })
      const b = start(projection, { batchSize: 3, idleMs: 5 })
      await Promise.all([a.catchUp(), b.catchUp()])
      expect(await readCheckpoint(db, table)).toBeGreaterThanOrEqual(
        (await store.readStream('sub-h', { direction: 'backward', limit: 1 }))[0]?.global_position ?? 0n,
      )
      expect(new Set(state.seen).size).toBe(state.seen.length)
      expect(await rows(table)).toHaveLength(state.seen.length)
    })
  })
}
