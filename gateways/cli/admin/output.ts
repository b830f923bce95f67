import { isRecord } from './json.ts'

// What the admin commands print: aligned tables and key/value records for people, the API's JSON
// as it is for scripts (--json). Colour (bold headers) only on a terminal without NO_COLOR.

export interface Io {
  out(text: string): void
  err(text: string): void
  /** stdout is a terminal and NO_COLOR is unset: headers in bold. */
  color: boolean
  /** stderr is a terminal: progress redraws one line in place. */
  errIsTty: boolean
}

export interface Column {
  header: string
  /** The member of each row shown; nested members by a dotted path (`ledger.spent_usd`). */
  field: string
}

const BOLD = '\u001b[1m'
const RESET = '\u001b[0m'

/** One value as a cell: `-` for null or absent, lists comma-joined, objects as JSON. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '-'
  if (typeof value === 'string') return value.replace(/[\r\n\t]/g, ' ')
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(',')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export function memberAt(row: unknown, path: string): unknown {
  let value: unknown = row
  for (const part of path.split('.')) {
    if (Array.isArray(value) && part === 'length') value = value.length
    else if (isRecord(value)) value = value[part]
    else return undefined
  }
  return value
}

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function renderTable(rows: readonly unknown[], columns: readonly Column[], color = false): string {
  const cells = rows.map((row) => columns.map((column) => cell(memberAt(row, column.field))))
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((r) => r[i]?.length ?? 0)),
  )
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const header = line(columns.map((column) => column.header))
  return `${[color ? `${BOLD}${header}${RESET}` : header, ...cells.map(line)].join('\n')}\n`
}

/** One object as `key  value` lines, its members in the API's order. */
export function renderRecord(record: unknown, color = false): string {
  if (!isRecord(record)) return `${cell(record)}\n`
  const entries = Object.entries(record)
  const width = Math.max(...entries.map(([key]) => key.length))
  return entries
    .map(
      ([key, value]) =>
        `${color ? `${BOLD}${key.padEnd(width)}${RESET}` : key.padEnd(width)}  ${cell(value)}`,
    )
    .join('\n')
    .concat('\n')
}

export function printJson(io: Io, body: unknown): void {
  io.out(`${JSON.stringify(body, null, 2)}\n`)
}

/** What processIo needs of stdout and stderr. */
export interface OutStream {
  isTTY?: boolean
  write(text: string): unknown
}

/** The terminal's Io: colour only on a TTY and without NO_COLOR (https://no-color.org). */
export function processIo(
  env: Readonly<Record<string, string | undefined>>,
  stdout: OutStream = process.stdout,
  stderr: OutStream = process.stderr,
): Io {
  return {
    out: (text) => {
      stdout.write(text)
    },
    err: (text) => {
      stderr.write(text)
    },
    color: stdout.isTTY === true && !env.NO_COLOR,
    errIsTty: stderr.isTTY === true,
  }
}
