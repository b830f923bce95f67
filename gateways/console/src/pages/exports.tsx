import { useEffect, useState } from 'preact/hooks'
import type { PageProps, Session } from '../contract.ts'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { useLatest } from '../ui/use-latest.ts'
import { useLoad } from '../ui/use-load.ts'
import {
  type ExportForm,
  type ExportJob,
  exportBody,
  isPending,
  pollDelayMs,
  progressText,
} from './export-jobs.ts'
import { formatInstant, isoToUtcInput } from './figures.ts'
import './pages.css'

// Usage exports (analytics:read): create one (range, granularity, grouping; CSV), follow its
// progress (the list is asked again while a job is queued or running) and download a finished
// one through the presigned URL GET /exports/{id} hands out, which lives a short while.

const GROUP_KEYS = ['model', 'api_key', 'backend'] as const

export function ExportsPage({ session }: PageProps) {
  const org = session.organizationId
  const [round, setRound] = useState(0)
  const { loaded, reload } = useLoad(
    () => session.api.get<{ data: ExportJob[] }>('/analytics/v1/exports', { organization_id: org }),
    [org, round],
  )
  // The last list read stays on screen while the next is asked for, so polling does not flicker.
  const jobs = useLatest(loaded)?.data ?? null
  const pending = jobs?.some(isPending) ?? false
  useEffect(() => {
    if (!pending) return
    const timer = setTimeout(() => setRound((n) => n + 1), pollDelayMs(round))
    return () => clearTimeout(timer)
  }, [pending, round])
  return (
    <section>
      <h1>Exports</h1>
      <CreateExport session={session} onCreated={() => setRound(0)} reload={reload} />
      {jobs === null && loaded.state === 'loading' ? <Loading what="exports" /> : null}
      {loaded.state === 'error' ? <ProblemView error={loaded.error} onRetry={reload} /> : null}
      {jobs !== null ? <ExportTable session={session} jobs={jobs} /> : null}
    </section>
  )
}

function CreateExport({
  session,
  onCreated,
  reload,
}: {
  session: Session
  onCreated(): void
  reload(): void
}) {
  const [form, setForm] = useState<ExportForm>(() => {
    const now = new Date()
    return {
      from: isoToUtcInput(new Date(now.getTime() - 7 * 86_400_000)),
      to: isoToUtcInput(now),
      granularity: 'hour',
      group_by: ['model'],
    }
  })
  const [invalid, setInvalid] = useState<string | null>(null)
  const action = useAction()
  const submit = (event: Event) => {
    event.preventDefault()
    const result = exportBody(session.organizationId, form)
    if (!result.ok) return setInvalid(result.error)
    setInvalid(null)
    void action.run(async () => {
      await session.api.send('POST', '/analytics/v1/exports', result.body)
      onCreated()
      reload()
    })
  }
  const toggle = (key: string, on: boolean) =>
    setForm({ ...form, group_by: on ? [...form.group_by, key] : form.group_by.filter((k) => k !== key) })
  return (
    <form class="stack" aria-labelledby="export-title" onSubmit={submit}>
      <h2 id="export-title">New CSV export of usage</h2>
      <label>
        From (UTC)
        <input
          type="datetime-local"
          required
          value={form.from}
          onInput={(e) => setForm({ ...form, from: e.currentTarget.value })}
        />
      </label>
      <label>
        To (UTC)
        <input
          type="datetime-local"
          required
          value={form.to}
          onInput={(e) => setForm({ ...form, to: e.currentTarget.value })}
        />
      </label>
      <label>
        Granularity
        <select
          value={form.granularity}
          onChange={(e) =>
            setForm({ ...form, granularity: e.currentTarget.value as ExportForm['granularity'] })
          }
        >
          <option value="minute">minute</option>
          <option value="hour">hour</option>
          <option value="day">day</option>
        </select>
      </label>
      <fieldset>
        <legend>Group by</legend>
        {GROUP_KEYS.map((key) => (
          <label class="inline" key={key}>
            <input
              type="checkbox"
              checked={form.group_by.includes(key)}
              onChange={(e) => toggle(key, e.currentTarget.checked)}
            />
            {key.replace('_', ' ')}
          </label>
        ))}
      </fieldset>
      <button type="submit" class="primary" disabled={action.busy}>
        Create export
      </button>
      {invalid ? (
        <p class="problem" role="alert">
          {invalid}
        </p>
      ) : null}
      {action.error ? <ProblemView error={action.error} /> : null}
    </form>
  )
}

function ExportTable({ session, jobs }: { session: Session; jobs: ExportJob[] }) {
  if (jobs.length === 0) return <p class="empty">No export yet.</p>
  return (
    <div class="table-wrap">
      <table class="stacked">
        <caption>Exports, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Range</th>
            <th scope="col">Grouping</th>
            <th scope="col">Progress</th>
            <th scope="col">
              <span class="visually-hidden">Download</span>
            </th>
          </tr>
        </thead>
        <tbody aria-live="polite">
          {jobs.map((job) => (
            <tr key={job.id}>
              <th scope="row">{formatInstant(job.created_at)}</th>
              <td data-label="Range">
                {formatInstant(job.params.from)} – {formatInstant(job.params.to)}
              </td>
              <td data-label="Grouping">
                by {job.params.granularity}
                {job.params.group_by.length > 0 ? `, ${job.params.group_by.join(', ')}` : ''}
              </td>
              <td data-label="Progress">{progressText(job)}</td>
              <td>{job.status === 'done' ? <Download session={session} job={job} /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** A finished export's link, asked for on demand: a presigned URL expires soon after it is made. */
function Download({ session, job }: { session: Session; job: ExportJob }) {
  const [link, setLink] = useState<{ url: string; expires: string } | null>(null)
  const action = useAction()
  const fetchLink = () =>
    action.run(async () => {
      const fresh = await session.api.get<ExportJob>(`/analytics/v1/exports/${job.id}`, {
        organization_id: session.organizationId,
      })
      if (fresh.download_url) setLink({ url: fresh.download_url, expires: fresh.expires_at ?? '' })
    })
  if (link)
    return (
      <span>
        <a href={link.url} download>
          Download CSV
        </a>{' '}
        <span class="muted">(link valid until {formatInstant(link.expires)})</span>
      </span>
    )
  return (
    <>
      <button
        type="button"
        disabled={action.busy}
        aria-label={`Get the download link of the export created ${formatInstant(job.created_at)}`}
        onClick={() => void fetchLink()}
      >
        Get download link
      </button>
      {action.error ? <ProblemView error={action.error} /> : null}
    </>
  )
}
