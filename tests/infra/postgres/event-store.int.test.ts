import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendToStream } from '../../../infra/event-store/append.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { sqlFile } from '../../../infra/event-store/sql-files.ts'
import type { Database, Sql } from '../../../infra/ports/database.ts'
import { type EventStore, NO_STREAM } from '../../../infra/ports/event-store.ts'
import { eventStoreContract } from '../contracts/event-store.contract.ts'
import { orderingContract } from '../contracts/event-store-ordering.contract.ts'
import { eventStoreUpgradeContract } from '../contracts/event-store-upgrade.contract.ts'
import { gate, newEvent, sleep, type TestDatabase } from '../contracts/test-database.ts'
import { makePostgres } from './fresh-schema.ts'

eventStoreContract('postgres', makePostgres('event_store'))
eventStoreUpgradeContract('postgres', makePostgres('upgrade'))

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

  const tail = async (after: bigint) => (await store.readAll({ after })).map((event) => event.id)
  const lastPosition = async () => (await store.readAll({ after: 0n })).at(-1)?.global_position ?? 0n

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
  async function settled(after: bigint, expected: number): Promise<string[]> {
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
    let heldPosition = 0n
    const commit = await holdOpen(async (tx) => {
      heldPosition = (await appendToStream(tx, 'gap-a', [held], NO_STREAM)).positions[0] ?? 0n
    })
    const laterPositions = [
      ...(await store.append('gap-b', [later[0]!], NO_STREAM)).positions,
      ...(await store.append('gap-c', [later[1]!], NO_STREAM)).positions,
    ]
    expect(laterPositions.every((position) => position > heldPosition)).toBe(true)
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
    expect(await tail((await store.readAll({ after: start })).at(-1)?.global_position ?? 0n)).toEqual([])
  })

  it('an old transaction appending to a stream a newer one wrote is refused (STREAM_ORDER_CONFLICT), and its retry follows stream order', async () => {
    const first = newEvent('Version0')
    const second = newEvent('Version1')
    let appendOld: () => Promise<unknown> = async () => {}
    // The old transaction takes its id, then a newer transaction writes version 0 and commits:
    // before 0009, the old one's version 1 got a lower global position than version 0.
    const commit = await holdOpen(async (tx) => {
      await tx.query('SELECT pg_current_xact_id()')
      appendOld = () => appendToStream(tx, 'order-a', [second], 'any')
    })
    await store.append('order-a', [first], NO_STREAM)
    await expect(appendOld()).rejects.toMatchObject({
      code: 'STREAM_ORDER_CONFLICT',
      details: { stream: 'order-a', retryable: true },
    })
    await commit()
    expect((await store.readStream('order-a')).map((event) => event.id)).toEqual([first.id])
    await store.append('order-a', [second], 0)
    const [v0, v1] = await store.readStream('order-a')
    expect([v0?.id, v1?.id]).toEqual([first.id, second.id])
    expect((v1?.global_position ?? 0n) > (v0?.global_position ?? 0n)).toBe(true)
  })

  it('reads behind a long transaction with an index range bound, not by filtering every newer event', async () => {
    // The log's last row, visible or not: another session's old transaction on the shared server
    // may hold readAll back, and rows it then releases mid-test must not count as read here.
    const { rows: last } = await db.query<{ position: string }>(
      'SELECT coalesce(max(global_position), 0)::text AS position FROM events',
    )
    const start = last[0]?.position ?? '0'
    const commit = await holdOpen(async (tx) => {
      await appendToStream(tx, 'scan-held', [newEvent()], NO_STREAM)
    })
    for (let i = 0; i < 20; i++) await store.append(`scan-${i}`, [newEvent()], NO_STREAM)
    const scan = await db.transaction(async (tx) => {
      // The plan under test is the primary-key scan that a large log gets; on a table this small
      // the planner may otherwise prefer reading it whole or through a bitmap.
      await tx.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off')
      const { rows } = await tx.query<{ 'QUERY PLAN': PlanNode[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sqlFile('read-all')}`,
        [start, null],
      )
      return findScan(rows[0]?.['QUERY PLAN'][0]?.Plan, 'events')
    })
    await commit()
    expect(scan?.['Index Name']).toBe('events_pkey')
    expect(scan?.['Index Cond']).toMatch(/global_position > .*global_position <= /)
    // With the horizon as a filter, the 20 newer events were read and dropped here.
    expect(scan?.['Rows Removed by Filter'] ?? 0).toBe(0)
    expect(scan?.['Actual Rows']).toBe(0)
  })
})

interface PlanNode {
  Plan?: PlanNode
  Plans?: PlanNode[]
  'Relation Name'?: string
  'Index Name'?: string
  'Index Cond'?: string
  'Rows Removed by Filter'?: number
  'Actual Rows'?: number
}

function findScan(node: PlanNode | undefined, relation: string): PlanNode | undefined {
  if (node === undefined || node['Relation Name'] === relation) return node
  for (const child of node.Plans ?? []) {
    const found = findScan(child, relation)
    if (found) return found
  }
  return undefined
}
