import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../domain/errors.ts'
import { appendToStream } from '../../../infra/event-store/append.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { EventStore, NewEvent, RecordedEvent } from '../../../infra/ports/event-store.ts'
import { byPosition, type MakeDatabase, newEvent, sleep, type TestDatabase } from './test-database.ts'

// Property: whatever the interleaving of concurrent appends (some rolled back, some holding their
// transaction id for a while before appending), a reader polling readAll from its last position
// gets every committed event exactly once, in increasing position, and never a rolled-back one;
// and each stream's events come in stream order (version 0, 1, 2, ...) in the global log.

export interface OrderingOptions {
  numRuns: number
  maxWriters: number
  maxHoldMs: number
  /** Bound on the whole property, so the file stays fast whatever fast-check draws. */
  timeLimitMs: number
}

interface Writer {
  stream: number
  count: number
  startAfterMs: number
  /** Take the transaction id before waiting: an old transaction that appends late. */
  xidFirst: boolean
  holdMs: number
  rollback: boolean
}

const writerArbitrary = (maxHoldMs: number) =>
  fc.record({
    stream: fc.integer({ min: 0, max: 2 }),
    count: fc.integer({ min: 1, max: 3 }),
    startAfterMs: fc.integer({ min: 0, max: maxHoldMs }),
    xidFirst: fc.boolean(),
    holdMs: fc.integer({ min: 0, max: maxHoldMs }),
    rollback: fc.boolean(),
  })

class RolledBack extends Error {}

const isStreamOrderConflict = (error: unknown) =>
  error instanceof AppError && error.code === 'STREAM_ORDER_CONFLICT'

async function writeOnce(db: Database, run: number, writer: Writer, events: NewEvent[]): Promise<void> {
  await db.transaction(async (tx) => {
    if (writer.xidFirst) await tx.query('SELECT pg_current_xact_id()')
    await sleep(writer.xidFirst ? writer.holdMs : 0)
    await appendToStream(tx, `run-${run}-stream-${writer.stream}`, events, 'any')
    await sleep(writer.xidFirst ? 0 : writer.holdMs)
    if (writer.rollback) throw new RolledBack()
  })
}

/**
 * An old transaction that appends to a stream a newer one wrote meanwhile is refused
 * (STREAM_ORDER_CONFLICT); like any caller, the writer then retries in a new transaction, which
 * takes its id after the stream's lock and cannot be refused again.
 */
async function runWriter(db: Database, run: number, writer: Writer): Promise<string[]> {
  await sleep(writer.startAfterMs)
  const events = Array.from({ length: writer.count }, () => newEvent('Drawn', { run }))
  try {
    await writeOnce(db, run, writer, events).catch((error: unknown) => {
      if (!isStreamOrderConflict(error)) throw error
      return writeOnce(db, run, { ...writer, xidFirst: false, holdMs: 0 }, events)
    })
    return events.map((event) => event.id)
  } catch (error) {
    if (error instanceof RolledBack) return []
    throw error
  }
}

/** Each stream's events, in the order the global log delivered them, are versions 0, 1, 2, ... */
function expectStreamOrder(delivered: readonly RecordedEvent[]): void {
  const versions = new Map<string, number[]>()
  for (const event of delivered) {
    versions.set(event.stream, [...(versions.get(event.stream) ?? []), event.stream_version])
  }
  for (const [stream, seen] of versions) {
    expect({ stream, versions: seen }).toEqual({ stream, versions: seen.map((_, i) => i) })
  }
}

interface ReaderState {
  /** Set once every writer is done: how many events committed. */
  expected: number | undefined
}

/**
 * Polls like a subscription (small pages) until the writers are done and it has seen all their
 * events, or a long deadline passes: on the shared PostgreSQL, anyone's open transaction may
 * hold visibility back for a while, which is allowed; skipping or repeating an event is not.
 */
async function poll(
  store: EventStore,
  run: number,
  after: bigint,
  state: ReaderState,
): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = []
  const ours = () => seen.filter((event) => event.data.run === run).length
  let position = after
  const deadline = Date.now() + 15_000
  for (;;) {
    const page = await store.readAll({ after: position, limit: 2 })
    seen.push(...page)
    position = page.at(-1)?.global_position ?? position
    if (page.length > 0) continue
    if (state.expected !== undefined && (ours() >= state.expected || Date.now() > deadline)) return seen
    await sleep(1)
  }
}

export function orderingContract(name: string, makeDb: MakeDatabase, options: OrderingOptions): void {
  describe(`EventStore ordering property: ${name}`, () => {
    let handle: TestDatabase
    let store: EventStore
    beforeAll(async () => {
      handle = await makeDb()
      store = createEventStore(handle.db)
    })
    afterAll(() => handle.dispose())

    it('delivers every committed event exactly once, in order, in stream order, and no rolled-back one', async () => {
      let run = 0
      const property = fc.asyncProperty(
        fc.array(writerArbitrary(options.maxHoldMs), { minLength: 1, maxLength: options.maxWriters }),
        async (writers) => {
          run++
          const start = (await store.readAll({ after: 0n })).at(-1)?.global_position ?? 0n
          const state: ReaderState = { expected: undefined }
          const reader = poll(store, run, start, state)
          const committed = (
            await Promise.all(writers.map((writer) => runWriter(handle.db, run, writer)))
          ).flat()
          state.expected = committed.length
          const delivered = await reader
          const positions = delivered.map((event) => event.global_position)
          expect(positions).toEqual([...positions].sort(byPosition))
          expect(new Set(positions).size).toBe(positions.length)
          const ours = delivered.filter((event) => event.data.run === run)
          expect(ours.map((event) => event.id).sort()).toEqual([...committed].sort())
          expectStreamOrder(ours)
        },
      )
      await fc.assert(property, { numRuns: options.numRuns, interruptAfterTimeLimit: options.timeLimitMs })
    })
  })
}
