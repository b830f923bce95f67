import type { Sql } from '../ports/database.ts'
import { CHAIN_ROW_COLUMNS, type ChainRow, chainHash, ZERO_HASH } from './chain-canonical.ts'

// Recomputes the chain from the events table and compares it with event_chain (docs/audit.md),
// one page at a time (constant memory). Both tables are read by a full join on the position, so
// an altered event, a deleted event and an event slipped in below the chain head all break it.

export interface ChainBreak {
  global_position: string
  /** The hash stored in event_chain (hex), null when the event has no chain row. */
  expected: string | null
  /** The hash recomputed from the event row (hex), null when the event row is gone. */
  found: string | null
}

export interface ChainReport {
  ok: boolean
  checked: number
  first_break?: ChainBreak
  /** Events after this position are not chained yet (the subscription's lag). */
  unchained_after?: string
}

export interface VerifyOptions {
  /** First position to check, inclusive; default the start of the log. */
  from?: bigint
  /** Last position to check, inclusive; default the end of the log. */
  to?: bigint
  pageSize?: number
}

type JoinedRow = Partial<ChainRow> & {
  position: string
  has_event: boolean
  hash: Uint8Array | null
  prev_hash: Uint8Array | null
}

const PAGE_SQL = `SELECT coalesce(e.global_position, c.global_position)::text AS position,
    e.global_position IS NOT NULL AS has_event, c.hash, c.prev_hash, ${CHAIN_ROW_COLUMNS}
  FROM events e FULL JOIN event_chain c ON c.global_position = e.global_position
  WHERE coalesce(e.global_position, c.global_position) > $1
    AND coalesce(e.global_position, c.global_position) <= $2
  ORDER BY 1::bigint LIMIT $3`

/** The hash before `from`: the stored hash of the chain row just before it (trusted), or zeros. */
async function hashBefore(db: Sql, from: bigint): Promise<Buffer> {
  const { rows } = await db.query<{ hash: Uint8Array }>(
    'SELECT hash FROM event_chain WHERE global_position < $1 ORDER BY global_position DESC LIMIT 1',
    [String(from)],
  )
  return bytes(rows[0]?.hash ?? null) ?? ZERO_HASH
}

// node-postgres reads bytea as a Buffer, PGlite (embedded mode) as a plain Uint8Array, which has
// neither equals nor toString('hex'): every hash read is made a Buffer first.
const bytes = (b: Uint8Array | null) =>
  b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength)
const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'))

/** The recomputed hash of a sound row, or the break at it. */
function check(row: JoinedRow, prev: Buffer): ChainBreak | Buffer {
  const found = row.has_event ? chainHash(prev, row as ChainRow) : null
  const [stored, storedPrev] = [bytes(row.hash), bytes(row.prev_hash)]
  if (found !== null && stored !== null && found.equals(stored) && storedPrev?.equals(prev)) {
    return found
  }
  return { global_position: row.position, expected: hex(stored), found: hex(found) }
}

export async function verifyChain(db: Sql, options: VerifyOptions = {}): Promise<ChainReport> {
  const from = options.from ?? 1n
  const to = String(options.to ?? 2n ** 63n - 1n)
  let prev = await hashBefore(db, from)
  let after = String(from - 1n)
  let checked = 0
  // The first event without a chain row: the unchained tail starts there, unless a chained row
  // follows it (then an event was slipped in below the chain head, and that is the break).
  let unchained: { after: string; at: ChainBreak } | undefined
  for (;;) {
    const { rows } = await db.query<JoinedRow>(PAGE_SQL, [after, to, options.pageSize ?? 1000])
    if (rows.length === 0) break
    for (const row of rows) {
      const result = check(row, prev)
      if (unchained !== undefined && row.hash !== null)
        return { ok: false, checked, first_break: unchained.at }
      if (!Buffer.isBuffer(result) && row.hash === null) unchained ??= { after, at: result }
      else if (!Buffer.isBuffer(result)) return { ok: false, checked, first_break: result }
      else [prev, checked] = [result, checked + 1]
      after = row.position
    }
  }
  if (unchained === undefined) return { ok: true, checked }
  return { ok: true, checked, unchained_after: unchained.after }
}
