import type { UsageRow } from '../usage-query.ts'

// The CSV of a usage export, for finance spreadsheets: RFC 4180 (CRLF line ends, every field that
// holds a quote, comma, CR or LF quoted with its quotes doubled), UTF-8, a header row. A cell that
// starts with = + - @ tab or CR is prefixed with ' so a spreadsheet shows it as text instead of
// running it as a formula (CWE-1236, OWASP "CSV injection"): group values such as model names and
// key names are chosen by users. Pure: no I/O, rows in, text out.

export const CSV_HEADER = [
  'bucket_start',
  'organization_id',
  'api_key_id',
  'api_key_name',
  'model',
  'backend',
  'requests',
  'errors',
  'input_tokens',
  'output_tokens',
  'cost',
  'currency',
] as const

/** A rollup row of /usage (its bucket_start: ISO 8601, UTC) with what a finance sheet adds. */
export interface CsvUsageRow extends UsageRow {
  organization_id: string
  api_key_name: string | null
}

const DANGEROUS_FIRST = new Set(['=', '+', '-', '@', '\t', '\r'])

/** A cell as a spreadsheet will not evaluate it: a leading ' before a formula-starting character. */
export function neutralise(cell: string): string {
  return DANGEROUS_FIRST.has(cell.charAt(0)) ? `'${cell}` : cell
}

/** One RFC 4180 field: quoted (quotes doubled) only when it must be. */
export function quoteField(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell
}

/** One record: neutralised, quoted, comma-separated, CRLF-terminated. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map((cell) => quoteField(neutralise(cell))).join(',')}\r\n`
}

/** Integer nano-USD as a decimal string with exactly 9 decimals (exact: BigInt, no float). */
export function decimalOfNanos(nanos: number): string {
  const n = BigInt(nanos)
  const abs = n < 0n ? -n : n
  const whole = abs / 1_000_000_000n
  const fraction = (abs % 1_000_000_000n).toString().padStart(9, '0')
  return `${n < 0n ? '-' : ''}${whole}.${fraction}`
}

// Costs are amounts, not user text: a negative one (a refund) keeps its minus sign rather than
// becoming "'-1.000000000", so it is not passed through neutralise().
export function csvRow(row: CsvUsageRow): string {
  const text = [
    row.bucket_start,
    row.organization_id,
    row.api_key_id ?? '',
    row.api_key_name ?? '',
    row.model ?? '',
    row.backend ?? '',
  ].map((cell) => quoteField(neutralise(cell)))
  const numbers = [row.requests, row.errors, row.input_tokens, row.output_tokens].map(String)
  return `${[...text, ...numbers, decimalOfNanos(row.cost_nanos), 'USD'].join(',')}\r\n`
}

export const csvHeader = (): string => csvLine(CSV_HEADER)
