import { useState } from 'preact/hooks'
import type { PageProps, Session } from '../contract.ts'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import {
  type AuditEvent,
  type AuditFilters,
  auditQuery,
  dataSummary,
  newestFirst,
  readExport,
} from './audit-log.ts'
import { AuditState } from './audit-state.tsx'
import { VerifyChain } from './audit-verify.tsx'
import { formatInstant } from './figures.ts'
import './pages.css'

// The audit page (audit:export: org_owner, auditor, platform admins): the organization's event log
// with filters (GET /admin/v1/audit/export, read as NDJSON), downloadable as it was filtered; the
// organization's state at an instant; and, for platform admins, the hash chain's verification.

/** The most events the table shows; the download has them all. */
const MAX_SHOWN = 200

export function AuditPage({ session }: PageProps) {
  return (
    <section>
      <h1>Audit</h1>
      <EventLog session={session} />
      <AuditState session={session} />
      {session.can('audit:verify') ? <VerifyChain session={session} /> : null}
    </section>
  )
}

function EventLog({ session }: { session: Session }) {
  const [filters, setFilters] = useState<AuditFilters>({ from: '', to: '', type: '' })
  const [invalid, setInvalid] = useState<string | null>(null)
  const [events, setEvents] = useState<AuditEvent[] | null>(null)
  const [download, setDownload] = useState<{ url: string; name: string } | null>(null)
  const action = useAction()
  const query = () => {
    const result = auditQuery(session.organizationId, filters)
    setInvalid(result.ok ? null : result.error)
    return result.ok ? result.query : null
  }
  const show = (event?: Event) => {
    event?.preventDefault()
    const q = query()
    if (q)
      void action.run(async () =>
        setEvents(readExport(await session.api.get<unknown>('/admin/v1/audit/export', q))),
      )
  }
  const save = (format: 'ndjson' | 'csv') => {
    const q = query()
    if (!q) return
    void action.run(async () => {
      const body = await session.api.get<unknown>('/admin/v1/audit/export', { ...q, format })
      const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body)
      if (download) URL.revokeObjectURL(download.url)
      const type = format === 'csv' ? 'text/csv' : 'application/x-ndjson'
      setDownload({
        url: URL.createObjectURL(new Blob([text], { type })),
        name: `audit-${session.organizationId}.${format}`,
      })
    })
  }
  const set = (patch: Partial<AuditFilters>) => setFilters({ ...filters, ...patch })
  return (
    <section aria-labelledby="audit-log">
      <h2 id="audit-log">Event log</h2>
      <form class="toolbar" aria-label="Filter the event log" onSubmit={show}>
        <label>
          From (UTC)
          <input
            type="datetime-local"
            value={filters.from}
            onInput={(e) => set({ from: e.currentTarget.value })}
          />
        </label>
        <label>
          To (UTC)
          <input
            type="datetime-local"
            value={filters.to}
            onInput={(e) => set({ to: e.currentTarget.value })}
          />
        </label>
        <label>
          Event type (e.g. BudgetChanged)
          <input value={filters.type} onInput={(e) => set({ type: e.currentTarget.value })} />
        </label>
        <button type="submit" class="primary" disabled={action.busy}>
          Show events
        </button>
        <button type="button" disabled={action.busy} onClick={() => save('ndjson')}>
          Prepare NDJSON file
        </button>
        <button type="button" disabled={action.busy} onClick={() => save('csv')}>
          Prepare CSV file
        </button>
      </form>
      {invalid ? (
        <p class="problem" role="alert">
          {invalid}
        </p>
      ) : null}
      {download ? (
        <p class="notice" role="status">
          <a href={download.url} download={download.name}>
            Download {download.name}
          </a>
        </p>
      ) : null}
      {action.busy ? <Loading what="the event log" /> : null}
      {action.error ? <ProblemView error={action.error} /> : null}
      {events !== null ? (
        <EventTable events={events} />
      ) : (
        <p class="muted">Pick filters (or none) and show the events.</p>
      )}
    </section>
  )
}

function EventTable({ events }: { events: AuditEvent[] }) {
  if (events.length === 0) return <p class="empty">No event matches these filters.</p>
  const { shown, omitted } = newestFirst(events, MAX_SHOWN)
  return (
    <>
      <p>
        {events.length} {events.length === 1 ? 'event' : 'events'}
        {omitted > 0 ? `; the newest ${shown.length} are shown, download the file for all of them` : ''}.
      </p>
      <div class="table-wrap">
        <table class="stacked">
          <caption class="visually-hidden">Events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Recorded</th>
              <th scope="col">Type</th>
              <th scope="col">Actor</th>
              <th scope="col">Stream</th>
              <th scope="col">Data</th>
              <th scope="col" class="number">
                Position
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((event) => (
              <tr key={event.id}>
                <th scope="row">{formatInstant(event.recorded_at)}</th>
                <td data-label="Type">{event.type}</td>
                <td data-label="Actor">{event.actor ?? '—'}</td>
                <td data-label="Stream">
                  {event.stream} v{event.stream_version}
                </td>
                <td data-label="Data">{dataSummary(event.data)}</td>
                <td data-label="Position" class="number">
                  {event.global_position}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
