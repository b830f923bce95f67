import { formatBytes, formatCount, utcInputToIso } from './figures.ts'

// The exports page's logic: the form as POST /analytics/v1/exports's body, and a job's progress in
// words. Pure: tested in tests/gateways/console/export-jobs.unit.test.ts.

export type ExportStatus = 'queued' | 'running' | 'done' | 'failed'

export interface ExportJob {
  id: string
  status: ExportStatus
  params: { from: string; to: string; granularity: 'minute' | 'hour' | 'day'; group_by: string[] }
  rows_written: number
  bytes_written: number
  error: string | null
  created_at: string
  finished_at: string | null
  download_url?: string
  expires_at?: string
}

export interface ExportForm {
  from: string
  to: string
  granularity: 'minute' | 'hour' | 'day'
  group_by: string[]
}

/** The longest range per granularity, as the API bounds it (gateways/analytics/params.ts). */
const MAX_RANGE_MS = { minute: 86_400_000, hour: 31 * 86_400_000, day: 1830 * 86_400_000 }

/** The body of POST /exports, or the first problem with the form, said before the API says it. */
export function exportBody(organizationId: string, form: ExportForm) {
  const from = utcInputToIso(form.from)
  const to = utcInputToIso(form.to)
  if (from === null || to === null) return { ok: false as const, error: 'Give both "From" and "To"' }
  if (Date.parse(from) >= Date.parse(to)) return { ok: false as const, error: '"From" must be before "To"' }
  if (Date.parse(to) - Date.parse(from) > MAX_RANGE_MS[form.granularity])
    return {
      ok: false as const,
      error: 'The range is too long for this granularity (minute: 24 hours, hour: 31 days, day: 1,830 days)',
    }
  const body = {
    organization_id: organizationId,
    from,
    to,
    granularity: form.granularity,
    group_by: form.group_by,
  }
  return { ok: true as const, body }
}

/** Whether the job may still change (the page polls while one does). */
export const isPending = (job: Pick<ExportJob, 'status'>) =>
  job.status === 'queued' || job.status === 'running'

/** "Queued", "Running: 1,200 rows (56 KB) so far", "Done: 3,000 rows (120 KB)", "Failed: …". */
export function progressText(job: ExportJob): string {
  const written = `${formatCount(job.rows_written)} rows (${formatBytes(job.bytes_written)})`
  switch (job.status) {
    case 'queued':
      return 'Queued'
    case 'running':
      return `Running: ${written} so far`
    case 'done':
      return `Done: ${written}`
    case 'failed':
      return `Failed: ${job.error ?? 'no reason given'}`
    default: {
      const unknown: never = job.status
      return String(unknown)
    }
  }
}

/** How long the page waits before asking again: soon at first, then every few seconds. */
export const pollDelayMs = (round: number) => Math.min(5000, 1000 * 2 ** Math.min(round, 3))
