import { CHAIN_ROW_COLUMNS, type ChainRow } from '../../infra/event-store/chain-canonical.ts'
import { readCheckpoint } from '../../infra/event-store/subscription.ts'
import type { AuditRecord } from '../../infra/ports/audit-sink.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { EventStore } from '../../infra/ports/event-store.ts'
import { EVENT_CHAIN } from '../audit-chain/event-chain.ts'

// The audit topic carries each event with its chain hashes, so the forwarder must never overtake
// the event-chain subscription: it reads the log only up to the chain's checkpoint, and the
// records themselves from the events joined with their chain rows.

/**
 * The event store as the forwarder reads it: readAll stops at the event-chain checkpoint. The
 * chain is gap-free below its checkpoint (it reads with the same gap-free reader), so every event
 * handed on has its chain row.
 */
export function chainedLog(db: Sql, store: EventStore): EventStore {
  return {
    ...store,
    async readAll(options) {
      const chained = await readCheckpoint(db, EVENT_CHAIN)
      if ((options.after ?? 0n) >= chained) return []
      const events = await store.readAll(options)
      return events.filter((event) => event.global_position <= chained)
    },
  }
}

// bytea comes back as a Buffer from pg and as a plain Uint8Array from PGlite.
type Row = ChainRow & { prev_hash: Uint8Array; hash: Uint8Array }
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/** The records of the events first..last (inclusive), in global order, with their chain hashes. */
export async function chainedRecords(db: Sql, first: bigint, last: bigint): Promise<AuditRecord[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${CHAIN_ROW_COLUMNS}, c.prev_hash, c.hash
     FROM events e JOIN event_chain c ON c.global_position = e.global_position
     WHERE e.global_position BETWEEN $1 AND $2 ORDER BY e.global_position`,
    [String(first), String(last)],
  )
  return rows.map(({ prev_hash, hash, ...row }) => ({
    v: 1,
    id: row.id,
    global_position: row.global_position,
    stream: row.stream,
    stream_version: row.stream_version,
    type: row.type,
    schema_version: row.schema_version,
    recorded_at: row.recorded_at,
    data: row.data,
    metadata: row.metadata,
    prev_hash: hex(prev_hash),
    hash: hex(hash),
  }))
}
