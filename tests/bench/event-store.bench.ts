import { v7 } from 'uuid'
import { appendToStream } from '../../infra/event-store/append.ts'
import { CHAIN_ROW_COLUMNS, type ChainRow, chainHash } from '../../infra/event-store/chain-canonical.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import type { Database } from '../../infra/ports/database.ts'
import type { NewEvent } from '../../infra/ports/event-store.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { type LoadOptions, type Measurement, runPaired } from './measure.ts'

// Event store vs a plain INSERT of the same rows, on the real PostgreSQL (docs/benchmarks.md).
// Each writer has its own stream, so the version check never conflicts: the comparison is the cost
// of append_to_stream (lock, idempotency and version checks, position allocation) over the insert.

export interface EventStoreBenchOptions {
  url: string
  writers?: number
  singleAppends?: number
  batches?: number
  batchSize?: number
  timeLimitMs?: number
}

const metadata = { actor: 'bench', correlation_id: 'bench', causation_id: null, source: 'bench' }
const newEvent = (writer: number, index: number): NewEvent => ({
  id: v7(),
  type: 'BenchEventRecorded',
  schema_version: 1,
  data: { writer, index, model: 'echo', tokens: 1234, note: 'a payload of typical size for an admin event' },
  metadata,
})

// Same columns, indexes and JSON as events; the position comes from a sequence and the version
// from the writer, with no check.
const plainSetup = `
  CREATE TABLE plain_events (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES);
  CREATE SEQUENCE plain_events_position`
const plainColumns =
  'global_position, id, stream, stream_version, type, schema_version, data, metadata, transaction_id, recorded_at, batch_index, batch_size'

function plainInsertSql(rows: number): string {
  const values = Array.from({ length: rows }, (_, i) => {
    const p = i * 6
    return `(nextval('plain_events_position'), $${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${rows * 6 + 1}, pg_current_xact_id(), now(), ${i}, ${rows})`
  })
  return `INSERT INTO plain_events (${plainColumns}) VALUES ${values.join(', ')}`
}

function plainParams(stream: string, firstVersion: number, events: readonly NewEvent[]): unknown[] {
  const params = events.flatMap((event, i) => [
    event.id,
    stream,
    firstVersion + i,
    event.type,
    event.schema_version,
    JSON.stringify(event.data),
  ])
  return [...params, JSON.stringify(metadata)]
}

interface Scenario {
  db: Database
  run: string
  writers: number
  timeLimitMs: number
  rounds: number
}

/** Next version of each writer's stream, kept by the writer (plain) or returned by the store. */
class Versions {
  readonly #next = new Map<string, number>()
  take(stream: string, count: number): number {
    const first = this.#next.get(stream) ?? 0
    this.#next.set(stream, first + count)
    return first
  }
}

function appendLoad(s: Scenario, label: string, size: number, total: number): LoadOptions {
  const versions = new Versions()
  return {
    name: size === 1 ? 'append 1 event (version check)' : `append ${size} events (version check)`,
    writers: s.writers,
    total,
    timeLimitMs: s.timeLimitMs,
    rowsPerOp: size,
    op: async (writer, index) => {
      const stream = `${s.run}-${label}-es-${writer}`
      const events = Array.from({ length: size }, (_, i) => newEvent(writer, index * size + i))
      await appendToStream(s.db, stream, events, versions.take(stream, size) - 1)
    },
  }
}

function plainLoad(s: Scenario, label: string, size: number, total: number): LoadOptions {
  const versions = new Versions()
  const insert = plainInsertSql(size)
  return {
    name: size === 1 ? 'plain INSERT 1 row' : `plain INSERT ${size} rows`,
    writers: s.writers,
    total,
    timeLimitMs: s.timeLimitMs,
    rowsPerOp: size,
    op: async (writer, index) => {
      const stream = `${s.run}-${label}-plain-${writer}`
      const events = Array.from({ length: size }, (_, i) => newEvent(writer, index * size + i))
      await s.db.query(insert, plainParams(stream, versions.take(stream, size), events))
    },
  }
}

// ADR 0023's rejected alternative, for the bench only: chaining inside the append. The transaction
// locks one chain head row, hashes its own events and moves the head, so appends queue on that
// row; the chosen design hashes after commit (projections/audit-chain) and appends stay parallel.
const chainHeadSetup = `
  CREATE TABLE bench_chain_head (id int PRIMARY KEY, hash bytea NOT NULL);
  INSERT INTO bench_chain_head VALUES (1, '\\x${'00'.repeat(32)}')`
const ownRowsSql = `SELECT ${CHAIN_ROW_COLUMNS} FROM events e
  WHERE e.global_position >= (pg_current_xact_id()::text::bigint << 16)
    AND e.global_position < ((pg_current_xact_id()::text::bigint + 1) << 16)
  ORDER BY e.global_position`

function chainedAppendLoad(s: Scenario, label: string, size: number, total: number): LoadOptions {
  const plain = appendLoad(s, label, size, total)
  const versions = new Versions()
  return {
    ...plain,
    name: size === 1 ? 'append 1 event + chain in the append' : `append ${size} events + chain in the append`,
    op: (writer, index) =>
      s.db.transaction(async (tx) => {
        const stream = `${s.run}-${label}-chained-${writer}`
        const events = Array.from({ length: size }, (_, i) => newEvent(writer, index * size + i))
        await appendToStream(tx, stream, events, versions.take(stream, size) - 1)
        const head = await tx.query<{ hash: Buffer }>(
          'SELECT hash FROM bench_chain_head WHERE id = 1 FOR UPDATE',
        )
        let prev = head.rows[0]!.hash
        const { rows } = await tx.query<ChainRow>(ownRowsSql)
        const prevs: Buffer[] = []
        const hashes: Buffer[] = []
        for (const row of rows) {
          prevs.push(prev)
          prev = chainHash(prev, row)
          hashes.push(prev)
        }
        // One statement, as the chaining subscription writes: the lock is held for the least time.
        await tx.query(
          'INSERT INTO event_chain SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])',
          [rows.map((r) => r.global_position), prevs, hashes],
        )
        await tx.query('UPDATE bench_chain_head SET hash = $1 WHERE id = 1', [prev])
      }),
  }
}

const paired = (s: Scenario, label: string, size: number, total: number) =>
  runPaired(s.rounds, appendLoad(s, label, size, total), plainLoad(s, label, size, total))

/** Creates a throwaway schema, measures, drops it. Returns each measurement with its ratio. */
export async function eventStoreBench(options: EventStoreBenchOptions): Promise<Measurement[]> {
  const writers = options.writers ?? 8
  const schema = `bench_event_store_${Date.now()}`
  const admin = createPostgresDatabase(options.url)
  await admin.query(`CREATE SCHEMA ${schema}`)
  const db = createPostgresDatabase(options.url, { schema, max: writers + 1 })
  try {
    await migrate(db)
    await db.query(plainSetup)
    const s: Scenario = { db, run: 'run', writers, timeLimitMs: options.timeLimitMs ?? 10_000, rounds: 6 }
    await paired(s, 'warmup', 1, 600)
    const [append, plain] = await paired(s, 'single', 1, options.singleAppends ?? 3000)
    const size = options.batchSize ?? 100
    const [appendBatch, plainBatch] = await paired(s, 'batch', size, options.batches ?? 240)
    await s.db.query(chainHeadSetup)
    const chain = (label: string, n: number, total: number) =>
      runPaired(s.rounds, chainedAppendLoad(s, label, n, total), appendLoad(s, `${label}-base`, n, total))
    const [chained] = await chain('chain-single', 1, options.singleAppends ?? 3000)
    const [chainedBatch] = await chain('chain-batch', size, options.batches ?? 240)
    return [plain, append, plainBatch, appendBatch, chained, chainedBatch]
  } finally {
    await db.close()
    await admin.query(`DROP SCHEMA ${schema} CASCADE`)
    await admin.close()
  }
}
