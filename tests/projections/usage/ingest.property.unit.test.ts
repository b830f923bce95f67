import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { GRAINS, type Grain, type RollupRow, rollUp } from '../../../domain/usage/rollup.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { Database, Row, Sql } from '../../../infra/ports/database.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { storedUsageOf } from '../../../projections/usage/stored-usage.ts'
import { deliveries, distinctEvents, NOW, packedDeliveries } from './usage-arbitraries.ts'

// Issue 10's ingest property: any sequence of events, with duplicates, in any delivery order and
// batching, yields rollups equal to GROUP BY over the distinct raw events — checked against SQL
// over usage_raw (usage_hist_of for the histograms) and against the pure rollUp over the distinct
// generated events; and a batch that fails midway changes nothing, and its retry converges.
// One PGlite for the file (its start takes seconds), emptied before every run.
let db: Database
beforeAll(async () => {
  db = await createPgliteDatabase(undefined)
  await migrate(db)
})
afterAll(async () => {
  await db?.close()
})

const TABLE: Record<Grain, string> = {
  minute: 'usage_rollup_minute',
  hour: 'usage_rollup_hour',
  day: 'usage_rollup_day',
}

async function empty(): Promise<void> {
  await db.query(`TRUNCATE usage_raw, usage_rollup_minute, usage_rollup_hour, usage_rollup_day, usage_org_freshness;
    UPDATE usage_ingest_state SET complete_through = NULL, last_batch_at = NULL, last_batch_events = 0,
      updated_at = NULL`)
}
beforeEach(empty)

const MEASURES = `count(*) AS requests, count(*) FILTER (WHERE status <> 'ok') AS errors,
  sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,
  sum(cost_nanos)::bigint AS cost_nanos, count(*) FILTER (WHERE streamed) AS streamed,
  count(*) FILTER (WHERE cancelled) AS cancelled,
  count(*) FILTER (WHERE tokens_source = 'estimated') AS estimated,
  usage_hist_of(latency_ms) AS latency_hist, usage_hist_of(ttfb_ms) AS ttfb_hist`

const DIMENSIONS = `organization_id::text AS organization_id, api_key_id::text AS api_key_id, model, backend,
  status_class`

/** The rollup at one grain as GROUP BY over the distinct raw events, in SQL. */
const fromRaw = (grain: Grain) => `
  SELECT date_trunc('${grain}', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket, ${DIMENSIONS},
         ${MEASURES}
    FROM (SELECT DISTINCT ON (event_id) * FROM usage_raw ORDER BY event_id) AS r
   GROUP BY 1, 2, 3, 4, 5, 6`

const stored = (grain: Grain) => `
  SELECT bucket, ${DIMENSIONS}, requests, errors, input_tokens, output_tokens, cost_nanos, streamed, cancelled,
         estimated, latency_hist, ttfb_hist
    FROM ${TABLE[grain]}`

const keyOf = (row: RollupRow) =>
  JSON.stringify([
    row.bucket.getTime(),
    row.organization_id,
    row.api_key_id,
    row.model,
    row.backend,
    row.status_class,
  ])
const sorted = (rows: RollupRow[]) => rows.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1))

async function rollupRows(sql: string): Promise<RollupRow[]> {
  // The row shape is the SELECT's (stored / fromRaw name every RollupRow column).
  const { rows } = await db.query<Row & RollupRow>(sql)
  return sorted(rows.map((row) => ({ ...row })))
}

function oracle(events: readonly UsageEvent[], grain: Grain): RollupRow[] {
  const rows = events.map((event) => {
    const stored = storedUsageOf(event, { horizon: null, now: NOW })
    if (!stored.ok) throw new Error(`generated an event ingest refuses: ${stored.reason}`)
    return stored.row
  })
  return sorted(rollUp(rows, grain))
}

/** usage_raw holds each distinct event once; every rollup equals SQL over it and the pure oracle. */
async function expectConsistent(distinct: readonly UsageEvent[]): Promise<void> {
  const raw = await db.query<{ id: string; n: number }>(
    'SELECT event_id::text AS id, count(*)::int AS n FROM usage_raw GROUP BY event_id ORDER BY event_id',
  )
  expect(raw.rows).toEqual(distinct.map((e) => ({ id: e.id, n: 1 })).sort((a, b) => (a.id < b.id ? -1 : 1)))
  for (const grain of GRAINS) {
    const rollup = await rollupRows(stored(grain))
    expect(rollup).toEqual(await rollupRows(fromRaw(grain)))
    expect(rollup).toEqual(oracle(distinct, grain))
  }
}

/** Everything ingest writes, to compare before and after a failed batch. */
async function snapshot(): Promise<unknown[]> {
  const tables = ['usage_raw', ...Object.values(TABLE), 'usage_org_freshness', 'usage_ingest_state']
  const all: unknown[] = []
  for (const table of tables) {
    const { rows } = await db.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY 1`)
    all.push(rows)
  }
  return all
}

/** The same database, except that the failAt-th statement of a transaction throws. */
function failingAt(inner: Database, failAt: number): Database {
  const failing = (tx: Sql): Sql => {
    let count = 0
    return {
      query: <R extends Row = Row>(text: string, params?: readonly unknown[]) => {
        count += 1
        if (count === failAt) return Promise.reject(new Error(`statement ${failAt} failed`))
        return tx.query<R>(text, params)
      },
    }
  }
  return {
    kind: inner.kind,
    query: (text, params) => inner.query(text, params),
    transaction: (fn) => inner.transaction((tx) => fn(failing(tx))),
    close: () => inner.close(),
  }
}

describe('ingest (property)', () => {
  it('any duplicates, delivery order and batching: rollups equal GROUP BY over the distinct raw events', async () => {
    const plan = distinctEvents(30).chain((events) =>
      deliveries(events, 8).map((batches) => ({ events, batches })),
    )
    await fc.assert(
      fc.asyncProperty(plan, async ({ events, batches }) => {
        await empty()
        let stored = 0
        for (const batch of batches) stored += (await ingestUsageBatch(db, batch, NOW)).stored
        expect(stored).toBe(events.length)
        await expectConsistent(events)
      }),
      { numRuns: 40 },
    )
  })

  it('packs: packed as the router packs, packs redelivered whole, batches cut inside packs: rollups equal GROUP BY', async () => {
    const plan = distinctEvents(30).chain((events) =>
      packedDeliveries(events, 8).map((batches) => ({ events, batches })),
    )
    await fc.assert(
      fc.asyncProperty(plan, async ({ events, batches }) => {
        await empty()
        let stored = 0
        for (const batch of batches) stored += (await ingestUsageBatch(db, batch, NOW)).stored
        expect(stored).toBe(events.length)
        await expectConsistent(events)
      }),
      { numRuns: 25 },
    )
  })

  it('a batch that fails after the raw insert changes nothing, and its retry converges', async () => {
    const plan = distinctEvents(20).chain((events) =>
      fc.integer({ min: 0, max: events.length - 1 }).chain((split) => {
        const earlier = events.slice(0, split)
        const before = earlier.length === 0 ? fc.constant([]) : deliveries(earlier, 6)
        const repeats = fc.subarray(earlier)
        // Statements 2..6 of the batch's transaction: after INSERT raw, before commit.
        const failAt = fc.integer({ min: 2, max: 6 })
        return fc.record({ before, repeats, failAt }).map((r) => ({
          events,
          ...r,
          failed: [...events.slice(split), ...r.repeats],
          fresh: events.length - split,
        }))
      }),
    )
    await fc.assert(
      fc.asyncProperty(plan, async ({ events, before, failed, fresh, failAt }) => {
        await empty()
        for (const batch of before) await ingestUsageBatch(db, batch, NOW)
        const unchanged = await snapshot()
        await expect(ingestUsageBatch(failingAt(db, failAt), failed, NOW)).rejects.toThrow('failed')
        expect(await snapshot()).toEqual(unchanged)
        const retried = await ingestUsageBatch(db, failed, NOW)
        expect(retried).toMatchObject({ stored: fresh, duplicates: failed.length - fresh })
        await expectConsistent(events)
      }),
      { numRuns: 30 },
    )
  })
})
