import { AppError } from '../../domain/errors.ts'
import type { Sql } from '../ports/database.ts'
import type { AppendResult, ExpectedVersion, NewEvent } from '../ports/event-store.ts'
import { parsePosition } from '../sql/bigint.ts'
import { toAppendError } from './db-errors.ts'
import { sqlFile } from './sql-files.ts'

const appendSql = sqlFile('append')

function checkInput(stream: string, events: readonly NewEvent[], expected: ExpectedVersion): void {
  if (stream.length === 0) throw new AppError('INVALID_APPEND', 'stream name is empty')
  if (expected !== 'any' && !(Number.isSafeInteger(expected) && expected >= -1)) {
    throw new AppError('INVALID_APPEND', `expected version ${expected} is neither 'any' nor an integer >= -1`)
  }
  const ids = new Set(events.map((event) => event.id))
  if (ids.size !== events.length) throw new AppError('INVALID_APPEND', 'two events of the batch share an id')
}

// Only the port's fields are sent: whatever else a caller's object carries is not stored.
const toJson = (event: NewEvent) => ({
  id: event.id,
  type: event.type,
  schema_version: event.schema_version,
  data: event.data,
  metadata: event.metadata,
})

/**
 * Appends through append_to_stream, in one round trip. Works on a Database (its own transaction)
 * or inside a caller's transaction: positions follow transaction ids either way (ADR 0002). In a
 * caller's transaction that took its id before a newer one appended to the same stream, the
 * append fails with STREAM_ORDER_CONFLICT: retry the whole transaction.
 */
export async function appendToStream(
  sql: Sql,
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedVersion,
): Promise<AppendResult> {
  checkInput(stream, events, expected)
  const params = [stream, expected === 'any' ? null : expected, JSON.stringify(events.map(toJson))]
  try {
    const { rows } = await sql.query<{ stream_version: number; positions: string[] }>(appendSql, params)
    const row = rows[0]
    if (row === undefined) throw new Error('append_to_stream returned no row')
    return { stream_version: row.stream_version, positions: row.positions.map(parsePosition) }
  } catch (error) {
    throw toAppendError(
      error,
      stream,
      events.map((event) => event.id),
    )
  }
}
