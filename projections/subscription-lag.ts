import type { Sql } from '../infra/ports/database.ts'

export type SubscriptionLag = {
  name: string
  /** Events in the log after the subscription's checkpoint (not yet applied). */
  events: number
  /** Age of the oldest of them, in seconds; 0 when there is none. */
  seconds: number
}

// Counted, not head − checkpoint: global positions come from transaction ids and have gaps
// (ADR 0002), so their difference is not a number of events. A subscription without a
// checkpoint row yet has applied nothing.
const LAG_SQL = `SELECT n.name,
    count(e.global_position)::int AS events,
    coalesce(extract(epoch FROM now() - min(e.recorded_at)), 0)::float8 AS seconds
  FROM unnest($1::text[]) AS n(name)
  LEFT JOIN subscription_checkpoints c ON c.name = n.name
  LEFT JOIN events e ON e.global_position > coalesce(c.position, 0)
  GROUP BY n.name`

/** How far each named subscription (projection) is behind the log, in one query. */
export async function subscriptionLag(db: Sql, names: readonly string[]): Promise<SubscriptionLag[]> {
  const { rows } = await db.query<SubscriptionLag>(LAG_SQL, [names])
  return rows
}
