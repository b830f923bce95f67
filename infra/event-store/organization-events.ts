import type { LoggedEvent } from '../../domain/audit/organization-state.ts'
import type { Sql } from '../ports/database.ts'

// The events the state of one organization at an instant is folded from (domain/audit): its own
// streams' events (index 0610, by data.organization_id), the whole user streams of everyone who
// was ever a member (their membership events name the organization; their names and status are on
// the same stream), and the model catalogue (partial index 0612), each recorded at or before `at`.
// `at` is passed to PostgreSQL as text, so its microseconds are compared as stored.

type Row = { global_position: string; stream: string; type: string; data: Record<string, unknown> }

const OWN_SQL = `SELECT global_position::text AS global_position, stream, type, data FROM events
  WHERE data ->> 'organization_id' = $1 AND recorded_at <= $2::timestamptz ORDER BY global_position`
const USERS_SQL = `SELECT global_position::text AS global_position, stream, type, data FROM events
  WHERE stream = ANY($1::text[]) AND recorded_at <= $2::timestamptz ORDER BY global_position`
const MODELS_SQL = `SELECT global_position::text AS global_position, stream, type, data FROM events
  WHERE stream LIKE 'model-%' AND recorded_at <= $1::timestamptz ORDER BY global_position`

const byPosition = (a: Row, b: Row) => {
  const [x, y] = [BigInt(a.global_position), BigInt(b.global_position)]
  return x < y ? -1 : x > y ? 1 : 0
}

/** In log order; bounded by the organization's size, not the log's. */
export async function organizationEventsAt(
  db: Sql,
  organization_id: string,
  at: string,
): Promise<LoggedEvent[]> {
  const own = (await db.query<Row>(OWN_SQL, [organization_id, at])).rows
  const userStreams = [...new Set(own.filter((e) => e.stream.startsWith('user-')).map((e) => e.stream))]
  const users = (await db.query<Row>(USERS_SQL, [userStreams, at])).rows
  const models = (await db.query<Row>(MODELS_SQL, [at])).rows
  const rows = [...own.filter((e) => !e.stream.startsWith('user-')), ...users, ...models].sort(byPosition)
  return rows.map(({ stream, type, data }) => ({ stream, type, data }))
}
