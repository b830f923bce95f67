import { createHash } from 'node:crypto'

// The chain's canonical encoding of an event (docs/audit.md). The values are read from
// PostgreSQL as they are stored (jsonb has already normalised key order and numbers), then
// encoded here deterministically: JSON with keys sorted, no whitespace. global_position is a
// decimal string (it passes 2^53); recorded_at is UTC with microseconds, as PostgreSQL keeps it.

export const ZERO_HASH: Buffer = Buffer.alloc(32)

/** An events row as the chain reads it (CHAIN_ROW_COLUMNS). */
export type ChainRow = {
  global_position: string
  id: string
  stream: string
  stream_version: number
  type: string
  schema_version: number
  data: unknown
  metadata: unknown
  recorded_at: string
}

/** The select list that reads a ChainRow from `events e`. */
export const CHAIN_ROW_COLUMNS = `e.global_position::text AS global_position, e.id::text AS id,
  e.stream, e.stream_version::int AS stream_version, e.type, e.schema_version, e.data, e.metadata,
  to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at`

/** JSON with object keys sorted (by UTF-16 code units, as JSON.stringify's sort) and no spaces. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

export function canonicalEvent(row: ChainRow): string {
  return canonicalJson({
    data: row.data,
    global_position: row.global_position,
    id: row.id,
    metadata: row.metadata,
    recorded_at: row.recorded_at,
    schema_version: row.schema_version,
    stream: row.stream,
    stream_version: row.stream_version,
    type: row.type,
  })
}

export function chainHash(prev: Buffer, row: ChainRow): Buffer {
  return createHash('sha256').update(prev).update(canonicalEvent(row), 'utf8').digest()
}
