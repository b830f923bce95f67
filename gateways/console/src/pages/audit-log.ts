import { formatCount, utcInputToIso } from './figures.ts'

// The audit page's logic: its filters as the export's query, the NDJSON export read into events,
// and the chain's verification report in words. Pure: tested in
// tests/gateways/console/audit-log.unit.test.ts.

export interface AuditFilters {
  /** datetime-local values, read as UTC; '' for none. */
  from: string
  to: string
  /** An event type (`BudgetChanged`); '' for every type. */
  type: string
}

export type AuditQuery = {
  organization_id: string
  from?: string
  to?: string
  type?: string
  format: 'ndjson'
}

/** The query of GET /admin/v1/audit/export for the filters, or the first problem with them. */
export function auditQuery(
  organizationId: string,
  filters: AuditFilters,
): { ok: true; query: AuditQuery } | { ok: false; error: string } {
  const from = utcInputToIso(filters.from)
  const to = utcInputToIso(filters.to)
  if (filters.from !== '' && from === null) return { ok: false, error: '"From" is not a time' }
  if (filters.to !== '' && to === null) return { ok: false, error: '"To" is not a time' }
  if (from !== null && to !== null && from > to) return { ok: false, error: '"From" is after "To"' }
  const type = filters.type.trim()
  if (type !== '' && !/^[A-Z][A-Za-z0-9]{0,99}$/.test(type))
    return {
      ok: false,
      error: 'An event type is a name such as BudgetChanged (letters and digits, upper case first)',
    }
  const query: AuditQuery = { organization_id: organizationId, format: 'ndjson' }
  if (from !== null) query.from = from
  if (to !== null) query.to = to
  if (type !== '') query.type = type
  return { ok: true, query }
}

/** One exported event (docs/audit.md). */
export interface AuditEvent {
  global_position: string
  id: string
  stream: string
  stream_version: number
  type: string
  recorded_at: string
  actor: string | null
  data: Record<string, unknown>
  hash: string | null
}

/**
 * The export's NDJSON read into events. The API's client hands back a body that is not one JSON
 * value as its text, but a single-line export is one JSON value and arrives parsed: both are read.
 */
export function readExport(body: unknown): AuditEvent[] {
  if (body === undefined || body === null || body === '') return []
  if (typeof body === 'object') return [body as AuditEvent]
  return String(body)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEvent)
}

/** The newest events first, at most `max` of them, and how many were left out. */
export function newestFirst(events: readonly AuditEvent[], max: number) {
  const shown = [...events].reverse().slice(0, max)
  return { shown, omitted: events.length - shown.length }
}

/** A short summary of an event's data for the table: `name=Acme, roles=[org_admin]`. */
export function dataSummary(data: Record<string, unknown>, maxLength = 120): string {
  const text = Object.entries(data)
    .map(
      ([key, value]) =>
        `${key}=${Array.isArray(value) ? `[${value.join(', ')}]` : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`,
    )
    .join(', ')
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text
}

/** GET /admin/v1/audit/verify's report. */
export interface VerifyReport {
  ok: boolean
  checked: number
  first_break: { global_position: string; expected: string | null; found: string | null } | null
  unchained_after: string | null
}

/** The report in words: whether the chain holds, where it breaks and why. */
export function verifySummary(report: VerifyReport): { tone: 'ok' | 'broken'; lines: string[] } {
  const lines: string[] = []
  const brk = report.first_break
  if (report.ok) lines.push(`The chain holds: ${formatCount(report.checked)} events checked, none altered.`)
  else if (brk) {
    lines.push(
      `The chain breaks at position ${brk.global_position} (${formatCount(report.checked)} events checked).`,
    )
    if (brk.found === null) lines.push('The event at that position is gone from the log.')
    else if (brk.expected === null)
      lines.push('That event has no chain entry: it was inserted outside the event store.')
    else
      lines.push(
        'The hash recomputed from that event differs from the one chained when it was recorded: the event (or its link to the one before) was altered.',
      )
  } else lines.push(`The chain does not verify (${formatCount(report.checked)} events checked).`)
  if (report.unchained_after !== null)
    lines.push(`Events after position ${report.unchained_after} are not chained yet; they were not checked.`)
  return { tone: report.ok ? 'ok' : 'broken', lines }
}
