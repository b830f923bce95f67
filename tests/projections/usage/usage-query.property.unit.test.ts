import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toNanos } from '../../../domain/budgets/amounts.ts'
import { bucketStart, type Grain } from '../../../domain/usage/rollup.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import {
  queryUsagePage,
  type UsageGroupKey,
  type UsageQuery,
  type UsageRow,
} from '../../../projections/usage/usage-query.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { BASE_MS, distinctEvents, NOW } from './usage-arbitraries.ts'

// Any events, any granularity, group_by, range and page size: the pages of queryUsagePage, joined,
// are exactly the sums per bucket and group computed here from the events themselves — no row
// repeated or skipped across pages, none outside the range or of another organization.

let db: Database
let dispose: () => Promise<void>
beforeAll(async () => {
  ;({ db, dispose } = await makePglite())
})
afterAll(() => dispose?.())

async function empty(): Promise<void> {
  await db.query(`TRUNCATE usage_raw, usage_rollup_minute, usage_rollup_hour, usage_rollup_day, usage_org_freshness;
    UPDATE usage_ingest_state SET complete_through = NULL, last_batch_at = NULL, last_batch_events = 0`)
}

const ORG = '0190a000-0000-7000-8000-00000000000a'

/** The expected rows, summed from the events in TypeScript. */
function expectedRows(events: readonly UsageEvent[], query: UsageQuery): UsageRow[] {
  const from = bucketStart(query.from, query.granularity).getTime()
  const rows = new Map<string, UsageRow>()
  for (const event of events) {
    if (event.organization_id.toLowerCase() !== query.organization_id) continue
    const bucket = bucketStart(new Date(event.occurred_at), query.granularity)
    if (bucket.getTime() < from || bucket.getTime() >= query.to.getTime()) continue
    const key: UsageRow = {
      bucket_start: bucket.toISOString(),
      model: query.group_by.includes('model') ? event.model : null,
      api_key_id: query.group_by.includes('api_key') ? event.api_key_id : null,
      backend: query.group_by.includes('backend') ? event.backend : null,
      ...{ requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_nanos: 0 },
    }
    const id = JSON.stringify([key.bucket_start, key.model, key.api_key_id, key.backend])
    const row = rows.get(id) ?? key
    row.requests += 1
    row.errors += event.status === 'error' ? 1 : 0
    row.input_tokens += event.input_tokens
    row.output_tokens += event.output_tokens
    row.cost_nanos += toNanos(event.cost_usd)
    rows.set(id, row)
  }
  return [...rows.values()]
}

async function allPages(query: UsageQuery, limit: number): Promise<UsageRow[]> {
  const rows: UsageRow[] = []
  let cursor: string | null = null
  do {
    // A cursor that does not move on would page forever: more pages than rows is a failure.
    if (rows.length > 10_000) throw new Error('pages repeat rows')
    const page = await queryUsagePage(db, query, { cursor, limit })
    expect(page.rows.length).toBeLessThanOrEqual(limit)
    rows.push(...page.rows)
    cursor = page.next_cursor
  } while (cursor !== null)
  return rows
}

const sorted = (rows: readonly UsageRow[]) => rows.map((row) => JSON.stringify(row)).sort()

describe('queryUsagePage (property)', () => {
  it('joined pages equal the sums of the events per bucket and group, for any query and page size', async () => {
    const queries = fc.record({
      granularity: fc.constantFrom<Grain>('minute', 'hour', 'day'),
      group_by: fc.subarray<UsageGroupKey>(['model', 'api_key', 'backend']),
      // Any instants over the events' three days (minutes apart), from before to.
      from: fc.integer({ min: -60, max: 72 * 60 }),
      length: fc.integer({ min: 1, max: 80 * 60 }),
      limit: fc.integer({ min: 1, max: 7 }),
    })
    await fc.assert(
      fc.asyncProperty(distinctEvents(25), queries, async (events, q) => {
        await empty()
        await ingestUsageBatch(db, events, NOW)
        const from = new Date(BASE_MS + q.from * 60_000 + 17_000)
        const query: UsageQuery = {
          organization_id: ORG,
          from,
          to: new Date(from.getTime() + q.length * 60_000),
          granularity: q.granularity,
          group_by: q.group_by,
        }
        const rows = await allPages(query, q.limit)
        expect(sorted(rows)).toEqual(sorted(expectedRows(events, query)))
        // In (bucket, model, api_key_id, backend) order, each key once.
        const keys = rows.map((r) => [r.bucket_start, r.model, r.api_key_id, r.backend])
        expect(new Set(keys.map((k) => JSON.stringify(k))).size).toBe(rows.length)
        expect(keys.map((k) => k[0])).toEqual(keys.map((k) => k[0]).sort())
      }),
      { numRuns: 30 },
    )
  }, 120_000)
})
