import { AppError } from '../../domain/errors.ts'

// The SQL functions raise these SQLSTATEs (infra/migrations/0002-0009) with the code's details as
// JSON in DETAIL (positions and transaction ids as decimal strings: they pass 2^53);
// docs/event-store.md catalogues them.
const raised: Readonly<Record<string, string>> = {
  AE001: 'VERSION_CONFLICT',
  AE002: 'IDEMPOTENCY_CONFLICT',
  AE003: 'TOO_MANY_EVENTS_IN_TRANSACTION',
  AE004: 'EVENT_LOG_AHEAD_OF_CLUSTER',
  AE005: 'POSITION_RANGE_EXHAUSTED',
  // Retryable: the same append in a new transaction gets a newer transaction id.
  AE006: 'STREAM_ORDER_CONFLICT',
}

interface DbError {
  code: string
  message: string
  detail?: unknown
  constraint?: unknown
}

function asDbError(error: unknown): DbError | undefined {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') return undefined
  return {
    code: error.code,
    message: error.message,
    detail: 'detail' in error ? error.detail : undefined,
    constraint: 'constraint' in error ? error.constraint : undefined,
  }
}

function parseDetail(detail: unknown): Record<string, unknown> {
  if (typeof detail !== 'string') return {}
  try {
    const parsed: unknown = JSON.parse(detail)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? { ...parsed } : {}
  } catch {
    return {}
  }
}

/**
 * The AppError for an error of the append, or the error itself when it is not one of ours. A
 * unique violation on the event id means another stream got the id first (appends to one stream
 * are serialized, so a replay on the same stream is answered before inserting).
 */
export function toAppendError(error: unknown, stream: string, eventIds: readonly string[]): unknown {
  const db = asDbError(error)
  if (db === undefined) return error
  const code = raised[db.code]
  if (code !== undefined) return new AppError(code, db.message, parseDetail(db.detail))
  if (db.code === '23505' && db.constraint === 'events_id_key') {
    return new AppError('IDEMPOTENCY_CONFLICT', 'an event id of the batch is stored in another stream', {
      stream,
      event_ids: eventIds,
    })
  }
  return error
}
