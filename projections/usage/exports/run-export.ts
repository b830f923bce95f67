import type { Sql } from '../../../infra/ports/database.ts'
import type { ObjectStore } from '../../../infra/ports/object-store.ts'
import { queryUsagePage, type UsageRow } from '../usage-query.ts'
import { csvHeader, csvRow } from './csv.ts'
import type { ExportJob } from './jobs.ts'

// Runs one claimed export: the usage rows of the job's query, a page at a time (queryUsagePage),
// each page encoded to CSV and streamed to the object store, so memory holds one page whatever
// the export's size. After each page, `onPage` records progress and renews the lease; when it
// answers false (the lease was lost) the stream throws, the upload is abandoned and no object
// is left behind.

export const EXPORT_PAGE_ROWS = 1000

export interface RunExportDeps {
  db: Sql
  store: ObjectStore
  /** Records rows and bytes so far and renews the lease; false: the job is no longer ours. */
  onPage: (progress: { rows: number; bytes: number }) => Promise<boolean>
  signal?: AbortSignal
}

export const exportObjectKey = (job: Pick<ExportJob, 'organization_id' | 'id'>) =>
  `exports/${job.organization_id}/${job.id}.csv`

/** Writes the job's CSV and returns what was written. */
export async function runExport(
  deps: RunExportDeps,
  job: ExportJob,
): Promise<{ objectKey: string; rows: number; bytes: number }> {
  const totals = { rows: 0, bytes: 0 }
  const objectKey = exportObjectKey(job)
  await deps.store.putStream(objectKey, csvChunks(deps, job, totals), 'text/csv; charset=utf-8')
  return { objectKey, ...totals }
}

async function* csvChunks(deps: RunExportDeps, job: ExportJob, totals: { rows: number; bytes: number }) {
  const header = csvHeader()
  totals.bytes += Buffer.byteLength(header)
  yield header
  const query = {
    organization_id: job.organization_id,
    from: new Date(job.params.from),
    to: new Date(job.params.to),
    granularity: job.params.granularity,
    group_by: job.params.group_by,
  }
  let cursor: string | null = null
  do {
    deps.signal?.throwIfAborted()
    const page = await queryUsagePage(deps.db, query, { cursor, limit: EXPORT_PAGE_ROWS })
    const names = await keyNames(deps.db, job.organization_id, page.rows)
    const text = page.rows.map((row) => csvRow(withName(row, job.organization_id, names))).join('')
    totals.rows += page.rows.length
    totals.bytes += Buffer.byteLength(text)
    if (text !== '') yield text
    if (!(await deps.onPage(totals))) throw new Error(`export ${job.id}: lease lost`)
    cursor = page.next_cursor
  } while (cursor !== null)
}

const withName = (row: UsageRow, organizationId: string, names: Map<string, string>) => ({
  ...row,
  organization_id: organizationId,
  api_key_name: row.api_key_id === null ? null : (names.get(row.api_key_id) ?? null),
})

/** The names of the page's keys, from the api-keys read model (a deleted key has no name). */
async function keyNames(db: Sql, organizationId: string, rows: UsageRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((row) => (row.api_key_id === null ? [] : [row.api_key_id])))]
  if (ids.length === 0) return new Map()
  const { rows: found } = await db.query<{ api_key_id: string; name: string }>(
    'SELECT api_key_id, name FROM rm_api_keys WHERE organization_id = $1 AND api_key_id = ANY($2::uuid[])',
    [organizationId, ids],
  )
  return new Map(found.map((row) => [row.api_key_id, row.name]))
}
