// How the pages write amounts, durations, rates and instants. Pure: tested in
// tests/gateways/console/figures.unit.test.ts. Money stays a decimal string end to end (the APIs
// answer exact decimals); only bars and charts turn it into a float.

/** "1234.5" → "$1,234.50": the API's exact decimal with thousands separators, cents at least. */
export function formatUsd(decimal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(decimal.trim())
  if (!match) return decimal
  const [, sign = '', whole = '0', fraction = ''] = match
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}$${grouped}.${fraction.padEnd(2, '0')}`
}

/** A decimal string as a number, for proportions only (0 when it is not a number). */
export function usdNumber(decimal: string): number {
  const value = Number(decimal)
  return Number.isFinite(value) ? value : 0
}

/** Milliseconds as people read them: "—" (no data), "850 ms", "1.25 s", "2 min 5 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2).replace(/\.?0+$/, '')} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`
}

/** A fraction as a percentage: 0.025 → "2.5 %", null → "—". */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—'
  const percent = fraction * 100
  const digits = percent !== 0 && Math.abs(percent) < 10 ? 1 : 0
  return `${percent.toFixed(digits).replace(/\.0$/, '')} %`
}

/** An RFC 3339 instant in UTC to the minute: "2026-11-27 06:40 UTC"; "—" for null. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '—'
  const time = Date.parse(iso)
  if (Number.isNaN(time)) return iso
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** A byte count: "512 B", "1.5 KB", "2.3 MB" (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`
}

/** A count with thousands separators: 12345 → "12,345". */
export const formatCount = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')

/**
 * A `<input type="datetime-local">` value read as UTC ("2026-11-27T06:40" → "2026-11-27T06:40:00.000Z"),
 * null when empty or not a time. The pages label these inputs "UTC", so the browser's own time
 * zone never shifts what is asked.
 */
export function utcInputToIso(value: string): string | null {
  if (value.trim() === '') return null
  const withSeconds = /T\d\d:\d\d$/.test(value) ? `${value}:00` : value
  const time = Date.parse(`${withSeconds}Z`)
  return Number.isNaN(time) ? null : new Date(time).toISOString()
}

/** The value of a UTC datetime-local input for an instant: "2026-11-27T06:40" (with seconds: ":15"). */
export const isoToUtcInput = (date: Date, seconds = false) => date.toISOString().slice(0, seconds ? 19 : 16)
