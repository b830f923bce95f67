import type { ExportRow } from '../../infra/event-store/export-read.ts'

// The audit export's two encodings (docs/audit.md, "Export"): NDJSON, one JSON object per event
// and line; and CSV (RFC 4180: CRLF line ends, a header row, a field quoted when it holds a comma,
// a quote, CR or LF, quotes doubled), data and metadata as JSON text, null as an empty field.

export const EXPORT_COLUMNS = [
  'global_position',
  'id',
  'stream',
  'stream_version',
  'type',
  'schema_version',
  'recorded_at',
  'actor',
  'metadata',
  'data',
  'prev_hash',
  'hash',
] as const

/** The row in the columns' order (JSON.stringify writes keys in insertion order). */
const ordered = (row: ExportRow): Record<string, unknown> =>
  Object.fromEntries(EXPORT_COLUMNS.map((column) => [column, row[column]]))

export const ndjsonLine = (row: ExportRow): string => `${JSON.stringify(ordered(row))}\n`

function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export const csvHeader = `${EXPORT_COLUMNS.join(',')}\r\n`

export const csvLine = (row: ExportRow): string =>
  `${EXPORT_COLUMNS.map((column) => csvField(row[column])).join(',')}\r\n`

export const EXPORT_CONTENT_TYPES = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
} as const

/** The export as text chunks, one per page: the next page is read only once this one is taken. */
export async function* encodeExport(
  pages: AsyncIterable<ExportRow[]>,
  format: keyof typeof EXPORT_CONTENT_TYPES,
): AsyncGenerator<string> {
  if (format === 'csv') yield csvHeader
  const line = format === 'csv' ? csvLine : ndjsonLine
  for await (const page of pages) yield page.map(line).join('')
}
