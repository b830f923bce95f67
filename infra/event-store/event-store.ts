import type { Database } from '../ports/database.ts'
import type { EventStore } from '../ports/event-store.ts'
import { appendToStream } from './append.ts'
import { readAll, readStream } from './read.ts'

/**
 * The event store on PostgreSQL or PGlite (same SQL, created by infra/migrations 0001-0004).
 * docs/event-store.md describes the schema and the error codes; ADR 0002 the ordering.
 */
export function createEventStore(db: Database): EventStore {
  return {
    append: (stream, events, expected) => appendToStream(db, stream, events, expected),
    readStream: (stream, options) => readStream(db, stream, options),
    readAll: (options) => readAll(db, options),
  }
}
