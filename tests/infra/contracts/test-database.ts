import { v7 } from 'uuid'
import type { Database } from '../../../infra/ports/database.ts'
import type { EventStore, NewEvent } from '../../../infra/ports/event-store.ts'

// What the contract suites get from each adapter's test file: a database of its own (a fresh
// schema on PostgreSQL, a fresh in-memory PGlite), migrated unless asked otherwise.
export interface TestDatabase {
  db: Database
  dispose(): Promise<void>
}

export type MakeDatabase = (options?: { migrated?: boolean }) => Promise<TestDatabase>

export function newEvent(type = 'ThingHappened', data: Record<string, unknown> = {}): NewEvent {
  return {
    id: v7(),
    type,
    schema_version: 1,
    data,
    metadata: { actor: 'user:test', correlation_id: v7(), causation_id: null, source: 'test' },
  }
}

/** Sort comparator for global positions (bigints: `a - b` is not a number). */
export const byPosition = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0)

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A promise and its resolver, to hold a transaction open until the test says so. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

/**
 * Waits until a reader of the global log sees `position`. On PostgreSQL a read stops before the
 * oldest transaction still running anywhere in the cluster (the gap-free rule, ADR 0002), so
 * another test file's open transaction can hide committed events for a while (bounded: 10 s).
 */
export async function readable(store: EventStore, position: bigint): Promise<void> {
  for (let tries = 0; tries < 1_000; tries++) {
    const seen = await store.readAll({ after: position - 1n, limit: 1 })
    if (seen[0]?.global_position === position) return
    await sleep(10)
  }
  throw new Error(`position ${position} not readable within 10 s`)
}
