import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { GRAINS, type Grain, type RollupRow, rollUp } from '../../../domain/usage/rollup.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { addToRollup } from '../../../projections/usage/rollup-upsert.ts'
import { type StoredRow, storedUsageOf } from '../../../projections/usage/stored-usage.ts'
import { createDatabase } from '../../support/fresh-database.ts'
import { usageEvent } from '../../support/usage-event.ts'

// Two ingest replicas adding to the same rollup rows at once still add up exactly. The rollup
// upsert updates the rows its snapshot sees, then inserts the others; these races are made
// deterministic by holding the other replica's transaction open until this one waits on it:
// - the row is new to both: this one's INSERT conflicts with the row the other committed, and
//   the dense merge (ON CONFLICT) adds to it;
// - the row exists: this one's UPDATE waits for the other's and then adds to its result.

let db: Database
let drop: () => Promise<void>
beforeAll(async () => {
  const created = await createDatabase('rollup_upsert')
  drop = created.drop
  db = createPostgresDatabase(created.url, { max: 4 })
  await migrate(db)
})
afterAll(async () => {
  await db?.close()
  await drop?.()
})
beforeEach(async () => {
  await db.query('TRUNCATE usage_raw, usage_rollup_minute, usage_rollup_hour, usage_rollup_day')
})

const NOW = new Date()
const at = new Date(NOW.getTime() - 60_000).toISOString()
const eventAt = (latency_ms: number, ttfb_ms?: number): UsageEvent =>
  usageEvent({ occurred_at: at, latency_ms, ...(ttfb_ms === undefined ? {} : { ttfb_ms }) })
const storedOf = (event: UsageEvent): StoredRow => {
  const stored = storedUsageOf(event, { horizon: null, now: NOW })
  if (!stored.ok) throw new Error(stored.reason)
  return stored.row
}

const TABLES: Record<Grain, string> = {
  minute: 'usage_rollup_minute',
  hour: 'usage_rollup_hour',
  day: 'usage_rollup_day',
}

async function rollupOf(grain: Grain) {
  const { rows } = await db.query<RollupRow & Record<string, unknown>>(
    `SELECT bucket, organization_id::text AS organization_id, api_key_id::text AS api_key_id, model, backend,
            status_class, requests, errors, input_tokens, output_tokens, cost_nanos, streamed, cancelled,
            estimated, latency_hist, ttfb_hist FROM ${TABLES[grain]}`,
  )
  return rows.map((row) => ({
    ...row,
    latency_hist: row.latency_hist.map(Number),
    ttfb_hist: row.ttfb_hist.map(Number),
  }))
}

/** The other replica: adds `events` to every rollup in a transaction held open until released. */
function heldReplica(events: readonly UsageEvent[]) {
  const released = Promise.withResolvers<void>()
  const holding = Promise.withResolvers<void>()
  const done = db.transaction(async (tx) => {
    for (const grain of GRAINS) await addToRollup(tx, grain, rollUp(events.map(storedOf), grain))
    holding.resolve()
    await released.promise
  })
  return { holding: holding.promise, release: released.resolve, done }
}

const waitingOnLocks = async () => {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE NOT l.granted AND a.datname = current_database()`,
  )
  return rows[0]?.n ?? 0
}

async function race(before: UsageEvent[], other: UsageEvent[], mine: UsageEvent[]) {
  if (before.length > 0) await ingestUsageBatch(db, before, NOW)
  const replica = heldReplica(other)
  // The other replica holds its rows (inserted or updated) before this ingest starts.
  await replica.holding
  const ingesting = ingestUsageBatch(db, mine, NOW)
  await vi.waitFor(async () => expect(await waitingOnLocks()).toBeGreaterThan(0), { timeout: 10_000 })
  replica.release()
  await replica.done
  expect((await ingesting).stored).toBe(mine.length)
  for (const grain of GRAINS) {
    const expected = rollUp([...before, ...other, ...mine].map(storedOf), grain)
    expect(await rollupOf(grain)).toEqual(expected)
  }
}

describe('rollup upserts of two ingest replicas at once (PostgreSQL)', () => {
  it('add up exactly when both create the same new rows', async () => {
    await race([], [eventAt(40, 12), eventAt(900)], [eventAt(41, 3), eventAt(70_000, 50)])
  })

  it('add up exactly when both add to the same existing rows', async () => {
    await race([eventAt(5, 1)], [eventAt(40, 12), eventAt(900)], [eventAt(41, 3), eventAt(70_000, 50)])
  })
})
