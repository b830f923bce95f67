import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CSV_HEADER,
  csvHeader,
  csvLine,
  csvRow,
  decimalOfNanos,
} from '../../../../projections/usage/exports/csv.ts'
import { parseCsv } from './parse-csv.ts'

const DANGEROUS = ['=', '+', '-', '@', '\t', '\r']
// Strings rich in the characters that matter: quotes, commas, CR, LF, formula starters, non-ASCII.
const cell = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', ',', '\r', '\n', '=', '+', '-', '@', '\t', "'", 'é', '😀'),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 20,
})
const unneutralised = (s: string) => (DANGEROUS.includes(s.charAt(0)) ? `'${s}` : s)

describe('CSV encoder', () => {
  it('any cells round-trip through an RFC 4180 parser, neutralised, and no cell starts dangerously', () => {
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { maxLength: 5 }), (rows) => {
        const parsed = parseCsv(rows.map((r) => csvLine(r)).join(''))
        expect(parsed).toEqual(rows.map((r) => r.map(unneutralised)))
        for (const field of parsed.flat()) expect(DANGEROUS).not.toContain(field.charAt(0))
      }),
      { numRuns: 500 },
    )
  })

  it('a usage row: header, columns in order, cost with 9 decimals and USD, user text neutralised', () => {
    const text =
      csvHeader() +
      csvRow({
        bucket_start: '2026-11-01T10:00:00.000Z',
        organization_id: '0195f0a0-0000-7000-8000-000000000001',
        api_key_id: '0195f0a0-0000-7000-8000-000000000002',
        api_key_name: '=HYPERLINK("http://x","y")',
        model: 'gpt, "4"',
        backend: null,
        requests: 3,
        errors: 1,
        input_tokens: 100,
        output_tokens: 20,
        cost_nanos: 1_500_000_001,
      })
    expect(text.endsWith('\r\n')).toBe(true)
    const [header, row] = parseCsv(text)
    expect(header).toEqual([...CSV_HEADER])
    expect(row).toEqual([
      '2026-11-01T10:00:00.000Z',
      '0195f0a0-0000-7000-8000-000000000001',
      '0195f0a0-0000-7000-8000-000000000002',
      `'=HYPERLINK("http://x","y")`,
      'gpt, "4"',
      '',
      '3',
      '1',
      '100',
      '20',
      '1.500000001',
      'USD',
    ])
  })

  it('costs are exact decimals with 9 places for any safe integer of nanos', () => {
    expect(decimalOfNanos(0)).toBe('0.000000000')
    expect(decimalOfNanos(1)).toBe('0.000000001')
    expect(decimalOfNanos(-2_000_000_000)).toBe('-2.000000000')
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const text = decimalOfNanos(n)
        expect(text).toMatch(/^-?\d+\.\d{9}$/)
        expect(BigInt(text.replace('.', ''))).toBe(BigInt(n))
      }),
    )
  })
})
