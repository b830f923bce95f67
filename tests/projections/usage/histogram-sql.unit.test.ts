import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bucketOf, HISTOGRAM_BOUNDS, histogramOf, mergeHistograms } from '../../../domain/usage/histogram.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { sparseLiterals } from '../../../projections/usage/rollup-upsert.ts'

// The SQL side of the histograms (migrations 0500, 0501, 0520) must agree with domain/usage/histogram.ts, or
// rollups built in SQL (the seed's data, the benchmark) and in TypeScript (ingest) would differ.
let db: Database
beforeAll(async () => {
  db = await createPgliteDatabase(undefined)
  await migrate(db)
})
afterAll(async () => {
  await db?.close()
})

const counts = (value: unknown): number[] => (value as Array<string | number>).map(Number)

describe('histograms in SQL', () => {
  it('have the same bounds as in TypeScript', async () => {
    const { rows } = await db.query<{ bounds: number[] }>('SELECT usage_hist_bounds() AS bounds')
    expect(rows[0]?.bounds).toEqual(HISTOGRAM_BOUNDS)
  })

  it('put any value in the same bucket, and build and merge the same histograms', async () => {
    const values = fc.array(fc.double({ min: 0, max: 2_000_000, noNaN: true }), { maxLength: 50 })
    await fc.assert(
      fc.asyncProperty(values, values, async (a, b) => {
        const { rows } = await db.query<{ v: number; bucket: number }>(
          'SELECT v, width_bucket(v, usage_hist_bounds()) AS bucket FROM unnest($1::float8[]) AS v',
          [a],
        )
        for (const row of rows) expect(row.bucket).toBe(bucketOf(row.v))
        const built = await db.query<{ a: unknown; b: unknown; sum: unknown }>(
          `SELECT (SELECT usage_hist_of(v) FROM unnest($1::float8[]) v) AS a,
                  (SELECT usage_hist_of(v) FROM unnest($2::float8[]) v) AS b,
                  usage_hist_add((SELECT usage_hist_of(v) FROM unnest($1::float8[]) v),
                                 (SELECT usage_hist_of(v) FROM unnest($2::float8[]) v)) AS sum`,
          [a, b],
        )
        const row = built.rows[0]
        expect(counts(row?.a)).toEqual(histogramOf(a))
        expect(counts(row?.sum)).toEqual(mergeHistograms(histogramOf(a), histogramOf(b)))
      }),
      { numRuns: 40 },
    )
  })

  it('add a sparse histogram (ingest’s batch) to a stored one as usage_hist_add adds the dense one', async () => {
    const values = fc.array(fc.double({ min: 0, max: 2_000_000, noNaN: true }), { maxLength: 50 })
    await fc.assert(
      fc.asyncProperty(values, values, async (stored, batch) => {
        const [slots, batchCounts] = sparseLiterals(histogramOf(batch))
        const { rows } = await db.query<{ sum: unknown; dense: unknown }>(
          `SELECT usage_hist_add_counts($1::bigint[], $2::integer[], $3::bigint[]) AS sum,
                  usage_hist_add($1::bigint[], $4::bigint[]) AS dense`,
          [`{${histogramOf(stored).join(',')}}`, slots, batchCounts, `{${histogramOf(batch).join(',')}}`],
        )
        const expected = mergeHistograms(histogramOf(stored), histogramOf(batch))
        expect(counts(rows[0]?.sum)).toEqual(expected)
        expect(counts(rows[0]?.dense)).toEqual(expected)
      }),
      { numRuns: 40 },
    )
  })
})
