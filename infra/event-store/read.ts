import { AppError } from '../../domain/errors.ts'
import type { Sql } from '../ports/database.ts'
import type { EventMetadata, RecordedEvent } from '../ports/event-store.ts'
import { parsePosition } from '../sql/bigint.ts'
import { sqlFile } from './sql-files.ts'

const forwardSql = sqlFile('read-stream-forward')
const backwardSql = sqlFile('read-stream-backward')
const allSql = sqlFile('read-all')

// global_position is selected as text: it passes 2^53 (infra/sql/bigint.ts).
type EventRow = {
  global_position: string
  id: string
  stream: string
  stream_version: number
  type: string
  schema_version: number
  data: Record<string, unknown>
  metadata: EventMetadata
  recorded_at: Date
}

const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row.id,
  type: row.type,
  schema_version: row.schema_version,
  data: row.data,
  metadata: row.metadata,
  stream: row.stream,
  stream_version: row.stream_version,
  global_position: parsePosition(row.global_position),
  recorded_at: row.recorded_at,
})

/** undefined means no limit. */
function checkLimit(limit: number | undefined): number | null {
  if (limit === undefined) return null
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new AppError('INVALID_READ', `limit ${limit} is not a non-negative integer`)
  }
  return limit
}

export interface ReadStreamOptions {
  /** Stream version to start at, inclusive; default: the first (forward) or the last (backward). */
  from?: number
  direction?: 'forward' | 'backward'
  limit?: number
}

export async function readStream(
  sql: Sql,
  stream: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const backward = options.direction === 'backward'
  const from = options.from ?? (backward ? Number.MAX_SAFE_INTEGER : 0)
  const { rows } = await sql.query<EventRow>(backward ? backwardSql : forwardSql, [
    stream,
    from,
    checkLimit(options.limit),
  ])
  return rows.map(toRecorded)
}

/** Committed events after a global position, never past one whose transaction is still running. */
export async function readAll(
  sql: Sql,
  options: { after: bigint; limit?: number },
): Promise<RecordedEvent[]> {
  const { rows } = await sql.query<EventRow>(allSql, [String(options.after), checkLimit(options.limit)])
  return rows.map(toRecorded)
}
