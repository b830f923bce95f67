import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { arrayLiteral } from '../../../projections/usage/array-literal.ts'

// Ingest sends each column of a batch as one array literal built by arrayLiteral: whatever a
// usage event holds (a model name with quotes, commas, braces or backslashes; any double; a
// missing TTFB) must reach PostgreSQL as it was.
let db: Database
beforeAll(async () => {
  db = await createPgliteDatabase(undefined)
})
afterAll(async () => {
  await db?.close()
})

// PostgreSQL text holds no NUL; ingest never receives one in a stored column either.
const text = fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000'))

describe('array literals of a batch column', () => {
  it('carry any text and null through a text[] parameter unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 20 }), async (values) => {
        const { rows } = await db.query<{ v: string | null }>('SELECT unnest($1::text[]) AS v', [
          arrayLiteral(values),
        ])
        expect(rows.map((row) => row.v)).toEqual(values)
      }),
      { numRuns: 60 },
    )
  })

  it('carry any finite double, integer and boolean exactly', async () => {
    const doubles = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 20 })
    await fc.assert(
      fc.asyncProperty(doubles, fc.array(fc.boolean(), { maxLength: 5 }), async (numbers, flags) => {
        const { rows } = await db.query<{ d: number[]; b: boolean[]; n: string[] }>(
          'SELECT $1::float8[] AS d, $2::boolean[] AS b, $3::bigint[]::text[] AS n',
          [arrayLiteral(numbers), arrayLiteral(flags), arrayLiteral([0, 1, 2 ** 53 - 1])],
        )
        // -0 reads back as 0, which no count or latency tells apart.
        expect(rows[0]?.d).toEqual(numbers.map((n) => (Object.is(n, -0) ? 0 : n)))
        expect(rows[0]?.b).toEqual(flags)
        expect(rows[0]?.n).toEqual(['0', '1', '9007199254740991'])
      }),
      { numRuns: 60 },
    )
  })
})
