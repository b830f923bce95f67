import {
  CHAIN_ROW_COLUMNS,
  type ChainRow,
  chainHash,
  ZERO_HASH,
} from '../../infra/event-store/chain-canonical.ts'
import type { Projection } from '../../infra/event-store/subscription.ts'
import type { Sql } from '../../infra/ports/database.ts'

export const EVENT_CHAIN = 'event-chain'

// The chain is written by a checkpointed subscription, after commit, not inside the append (ADR
// 0023): appends stay parallel, and the gap-free reader gives every event to the chain in global
// order exactly once, so concurrent appends cannot fork it. The rows are re-read here with the
// chain's own columns (microsecond recorded_at, jsonb as stored) rather than from the batch.

async function chainHead(tx: Sql): Promise<Buffer> {
  const { rows } = await tx.query<{ hash: Buffer }>(
    'SELECT hash FROM event_chain ORDER BY global_position DESC LIMIT 1',
  )
  return rows[0]?.hash ?? ZERO_HASH
}

async function readRows(tx: Sql, first: bigint, last: bigint): Promise<ChainRow[]> {
  const { rows } = await tx.query<ChainRow>(
    `SELECT ${CHAIN_ROW_COLUMNS} FROM events e
     WHERE e.global_position BETWEEN $1 AND $2 ORDER BY e.global_position`,
    [String(first), String(last)],
  )
  return rows
}

export const eventChainProjection: Projection = {
  name: EVENT_CHAIN,
  async handle(events, tx) {
    const rows = await readRows(tx, events[0]!.global_position, events.at(-1)!.global_position)
    let prev = await chainHead(tx)
    const positions: string[] = []
    const prevs: Buffer[] = []
    const hashes: Buffer[] = []
    for (const row of rows) {
      const hash = chainHash(prev, row)
      positions.push(row.global_position)
      prevs.push(prev)
      hashes.push(hash)
      prev = hash
    }
    await tx.query(
      `INSERT INTO event_chain (global_position, prev_hash, hash)
       SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])`,
      [positions, prevs, hashes],
    )
  },
}
