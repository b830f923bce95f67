import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Histogram, mergeHistograms } from '../../../domain/usage/histogram.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import {
  percentilesOf,
  queryReliabilityPage,
  type ReliabilityQuery,
} from '../../../projections/usage/reliability-query.ts'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import { usageEvent } from '../../support/usage-event.ts'

// Reliability from the rollups: percentiles of an hour read from its merged histogram equal those
// of its minutes' histograms merged, and lie within the histogram's ±6.25% of the exact
// percentiles of the raw values; requests by status class and the error rate per group.

const ORG = '0190a000-0000-7000-8000-000000000010'
const NOW = new Date('2026-11-26T12:00:00Z')
/** Run against each database adapter: PGlite (unit tier) and PostgreSQL (int tier). */
export function reliabilityQueryContract(name: string, make: MakeDatabase): void {
  describe(`the reliability query on ${name}`, () => {
    let db: Database
    let dispose: () => Promise<void>
    const events: UsageEvent[] = []

    /** A fixed pseudo-random sequence in [0, 1): the test sees the same values every run. */
    function sequence(seed: number) {
      let state = seed
      return () => {
        state = (state * 1_103_515_245 + 12_345) % 2 ** 31
        return state / 2 ** 31
      }
    }

    beforeAll(async () => {
      ;({ db, dispose } = await make())
      const next = sequence(42)
      for (let i = 0; i < 300; i++) {
        const failed = i % 10 === 0
        events.push(
          usageEvent({
            organization_id: ORG,
            occurred_at: new Date(
              Date.parse('2026-11-26T09:00:00Z') + Math.floor(next() * 3_600_000),
            ).toISOString(),
            backend: i % 3 === 0 ? 'b-slow' : 'b-fast',
            // Latencies spread over four orders of magnitude (1 ms – 10 s), skewed low.
            latency_ms: Math.round(10 ** (next() * 4) * 1000) / 1000,
            ...(i % 2 === 0 ? { ttfb_ms: 1 + next() * 200 } : {}),
            ...(failed
              ? { status: 'error' as const, http_status: i % 20 === 0 ? 503 : 429, cost_usd: 0 }
              : {}),
          }),
        )
      }
      // Another hour with no TTFB at all.
      events.push(usageEvent({ organization_id: ORG, occurred_at: '2026-11-26T10:30:00Z', latency_ms: 80 }))
      await ingestUsageBatch(db, events, NOW)
    })
    afterAll(() => dispose?.())

    const query = (overrides: Partial<ReliabilityQuery> = {}): ReliabilityQuery => ({
      organization_id: ORG,
      from: new Date('2026-11-26T09:00:00Z'),
      to: new Date('2026-11-26T10:00:00Z'),
      granularity: 'hour',
      group_by: [],
      ...overrides,
    })

    /** Nearest-rank percentile of the raw values, as percentileOf ranks them. */
    function exact(values: number[], q: number): number {
      const sorted = [...values].sort((a, b) => a - b)
      return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number
    }

    async function mergedMinutes(column: 'latency_hist' | 'ttfb_hist'): Promise<Histogram> {
      const { rows } = await db.query<{ hist: number[] }>(
        `SELECT ${column} AS hist FROM usage_rollup_minute
          WHERE organization_id = $1 AND bucket >= '2026-11-26T09:00:00Z' AND bucket < '2026-11-26T10:00:00Z'`,
        [ORG],
      )
      return rows.reduce<Histogram>((merged, row) => mergeHistograms(merged, row.hist), [])
    }

    describe('queryReliabilityPage', () => {
      it("reads an hour's percentiles from merged histograms: equal to its merged minutes', within ±6.25% of the exact ones", async () => {
        const [hour] = (await queryReliabilityPage(db, query(), { cursor: null, limit: 10 })).rows
        expect(hour?.requests).toBe(300)
        expect(hour?.latency_ms).toEqual(percentilesOf(await mergedMinutes('latency_hist')))
        expect(hour?.ttfb_ms).toEqual(percentilesOf(await mergedMinutes('ttfb_hist')))
        const inHour = events.filter((e) => e.occurred_at < '2026-11-26T10:00:00Z')
        const latencies = inHour.map((e) => e.latency_ms)
        const ttfbs = inHour.flatMap((e) => (e.ttfb_ms === undefined ? [] : [e.ttfb_ms]))
        for (const [q, name] of [
          [0.5, 'p50'],
          [0.95, 'p95'],
          [0.99, 'p99'],
        ] as const) {
          const read = { latency: hour?.latency_ms[name] as number, ttfb: hour?.ttfb_ms[name] as number }
          expect(Math.abs(read.latency / exact(latencies, q) - 1), name).toBeLessThanOrEqual(0.0625)
          expect(Math.abs(read.ttfb / exact(ttfbs, q) - 1), name).toBeLessThanOrEqual(0.0625)
        }
      })

      it('counts requests per status class and the error rate per group', async () => {
        const { rows } = await queryReliabilityPage(db, query({ group_by: ['backend'] }), {
          cursor: null,
          limit: 10,
        })
        const slow = events.filter((e, i) => i < 300 && e.backend === 'b-slow')
        const of = (status: number) => slow.filter((e) => e.http_status === status).length
        expect(rows.map((r) => r.backend)).toEqual(['b-fast', 'b-slow'])
        expect(rows[1]).toMatchObject({
          requests: slow.length,
          errors: of(503) + of(429),
          error_rate: (of(503) + of(429)) / slow.length,
          status_classes: { '1xx': 0, '2xx': of(200), '3xx': 0, '4xx': of(429), '5xx': of(503) },
          error_rate_by_class: { '4xx': of(429) / slow.length, '5xx': of(503) / slow.length },
        })
        expect(of(503)).toBeGreaterThan(0)
        expect(of(429)).toBeGreaterThan(0)
      })

      it('answers null percentiles of TTFB for a bucket where no request reported one', async () => {
        const later = query({ from: new Date('2026-11-26T10:00:00Z'), to: new Date('2026-11-26T11:00:00Z') })
        const { rows } = await queryReliabilityPage(db, later, { cursor: null, limit: 10 })
        expect(rows).toHaveLength(1)
        expect(rows[0]?.ttfb_ms).toEqual({ p50: null, p95: null, p99: null })
        expect(rows[0]?.latency_ms.p50).toBeCloseTo(80, -1)
        expect(rows[0]?.error_rate).toBe(0)
      })
    })
  })
}
