import type { Database, Sql } from '../../infra/ports/database.ts'

// usage_raw's daily partitions (migration 0500): created ahead by the ingest process (and on demand
// for a batch's days), dropped whole when they fall out of retention — a DROP TABLE, not a DELETE,
// so retention costs no vacuum and no bloat. The horizon is recorded so that an event older than
// it is refused instead of re-creating a dropped day with part of its events.

const DAY_MS = 86_400_000
const PARTITION = /^usage_raw_p(\d{4})(\d{2})(\d{2})$/

export interface PartitionPolicy {
  /** Partitions exist from yesterday to this many days ahead. */
  aheadDays: number
  /** Raw events are kept this many days (rollups forever). */
  retentionDays: number
}

/** The UTC day of an instant, as 'YYYY-MM-DD'. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10)

const known = new WeakMap<Sql, Set<string>>()

/** Makes sure each day's partition exists; remembers the days it made sure of, per database. */
export async function ensurePartitions(db: Sql, days: Iterable<string>): Promise<void> {
  let seen = known.get(db)
  if (seen === undefined) {
    seen = new Set()
    known.set(db, seen)
  }
  for (const day of new Set(days)) {
    if (seen.has(day)) continue
    await db.query('SELECT usage_raw_ensure_partition($1::date)', [day])
    seen.add(day)
  }
}

/** The days of usage_raw's partitions, oldest first. */
export async function partitionDays(db: Sql): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'usage_raw'::regclass`,
  )
  return rows
    .map((row) => PARTITION.exec(row.name))
    .filter((match) => match !== null)
    .map((match) => `${match[1]}-${match[2]}-${match[3]}`)
    .sort()
}

/** The raw retention horizon: events before it were dropped (null: nothing dropped yet). */
export async function rawHorizon(db: Sql): Promise<Date | null> {
  const { rows } = await db.query<{ horizon: string | null }>(
    'SELECT raw_horizon::text AS horizon FROM usage_ingest_state',
  )
  const horizon = rows[0]?.horizon ?? null
  return horizon === null ? null : new Date(`${horizon}T00:00:00Z`)
}

/**
 * Creates the partitions from yesterday to `aheadDays` ahead and drops every partition wholly
 * before `now − retentionDays` (UTC days), recording that horizon first so ingest refuses older
 * events from then on.
 */
export async function maintainPartitions(
  db: Database,
  now: Date,
  policy: PartitionPolicy,
): Promise<{ created: string[]; dropped: string[] }> {
  const before = new Set(await partitionDays(db))
  const wanted = Array.from({ length: policy.aheadDays + 2 }, (_, i) =>
    utcDay(new Date(now.getTime() + (i - 1) * DAY_MS)),
  )
  await ensurePartitions(db, wanted)
  const horizon = utcDay(new Date(now.getTime() - policy.retentionDays * DAY_MS))
  await db.query(
    `UPDATE usage_ingest_state SET raw_horizon = greatest(raw_horizon, $1::date), updated_at = now()`,
    [horizon],
  )
  const dropped = [...before].filter((day) => day < horizon)
  for (const day of dropped) {
    await db.query(`DROP TABLE IF EXISTS usage_raw_p${day.replaceAll('-', '')}`)
    known.get(db)?.delete(day)
  }
  return { created: wanted.filter((day) => !before.has(day)), dropped }
}
