import type { Sql } from '../../infra/ports/database.ts'
import { AUDIT_FORWARDER } from './forwarder.ts'

export type ForwarderLag = {
  /** Events in the log after the forwarder's checkpoint (not yet acknowledged by the broker). */
  events: number
  /** Age of the oldest of them, in seconds; 0 when there is none. */
  seconds: number
}

// Counted, not head − checkpoint: global positions come from transaction ids and have gaps
// (ADR 0002), so their difference is not a number of events.
const LAG_SQL = `SELECT count(*)::int AS events,
    coalesce(extract(epoch FROM now() - min(e.recorded_at)), 0)::float8 AS seconds
  FROM events e
  WHERE e.global_position > coalesce(
    (SELECT position FROM subscription_checkpoints WHERE name = $1), 0)`

export async function forwarderLag(db: Sql): Promise<ForwarderLag> {
  const { rows } = await db.query<ForwarderLag>(LAG_SQL, [AUDIT_FORWARDER])
  return rows[0] ?? { events: 0, seconds: 0 }
}
