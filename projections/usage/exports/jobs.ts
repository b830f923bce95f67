import type { Sql } from '../../../infra/ports/database.ts'
import type { Granularity, UsageGroupKey } from '../usage-query.ts'

// The analytics_exports table (migration 0510): queued by the API, claimed and run by a worker
// that holds a lease. Every write of a running job names the worker's lease_owner, so a worker
// whose lease lapsed and was taken over can no longer change the job.

export type ExportStatus = 'queued' | 'running' | 'done' | 'failed'

export interface ExportParams {
  from: string
  to: string
  granularity: Granularity
  group_by: UsageGroupKey[]
}

export interface ExportJob {
  id: string
  organization_id: string
  requested_by: string
  params: ExportParams
  status: ExportStatus
  rows_written: number
  bytes_written: number
  object_key: string | null
  error: string | null
  attempts: number
  created_at: Date
  started_at: Date | null
  finished_at: Date | null
}

const COLUMNS = `id, organization_id, requested_by, params, status, rows_written::float8 AS rows_written,
  bytes_written::float8 AS bytes_written, object_key, error, attempts, created_at, started_at, finished_at`

export async function insertExport(
  db: Sql,
  job: { id: string; organization_id: string; requested_by: string; params: ExportParams; now: Date },
): Promise<ExportJob> {
  const { rows } = await db.query<ExportJob & Record<string, unknown>>(
    `INSERT INTO analytics_exports (id, organization_id, requested_by, params, status, created_at)
     VALUES ($1, $2, $3, $4::jsonb, 'queued', $5) RETURNING ${COLUMNS}`,
    [job.id, job.organization_id, job.requested_by, JSON.stringify(job.params), job.now.toISOString()],
  )
  return only(rows)
}

/** The organization's jobs, newest first, at most `limit`. */
export async function listExports(db: Sql, organizationId: string, limit: number): Promise<ExportJob[]> {
  const { rows } = await db.query<ExportJob & Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM analytics_exports WHERE organization_id = $1
      ORDER BY created_at DESC, id DESC LIMIT $2`,
    [organizationId, limit],
  )
  return rows
}

/** The job, or null when there is none with this id in this organization. */
export async function findExport(db: Sql, organizationId: string, id: string): Promise<ExportJob | null> {
  const { rows } = await db.query<ExportJob & Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM analytics_exports WHERE organization_id = $1 AND id = $2`,
    [organizationId, id],
  )
  return rows[0] ?? null
}

/** Claims a job gets before it is failed: a job that kills its worker every time stops there. */
export const MAX_EXPORT_ATTEMPTS = 3

/** Fails the lapsed jobs that have had their MAX_EXPORT_ATTEMPTS claims. */
async function failExhausted(db: Sql, now: Date): Promise<void> {
  await db.query(
    `UPDATE analytics_exports SET status = 'failed', finished_at = $1, lease_until = NULL,
            error = 'EXPORT_ABANDONED: no worker finished it in ${MAX_EXPORT_ATTEMPTS} attempts'
      WHERE status = 'running' AND lease_until < $1 AND attempts >= ${MAX_EXPORT_ATTEMPTS}`,
    [now.toISOString()],
  )
}

/**
 * Claims the oldest queued job, or a running one whose lease has lapsed, for `owner` until
 * `leaseUntil`; null when there is none. SKIP LOCKED: workers claiming at once take different jobs.
 */
export async function claimExport(
  db: Sql,
  owner: string,
  now: Date,
  leaseUntil: Date,
): Promise<ExportJob | null> {
  await failExhausted(db, now)
  const { rows } = await db.query<ExportJob & Record<string, unknown>>(
    `UPDATE analytics_exports SET status = 'running', lease_owner = $1, lease_until = $3,
            started_at = $2, attempts = attempts + 1, rows_written = 0, bytes_written = 0
      WHERE id = (SELECT id FROM analytics_exports
                   WHERE status = 'queued'
                      OR (status = 'running' AND lease_until < $2 AND attempts < ${MAX_EXPORT_ATTEMPTS})
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [owner, now.toISOString(), leaseUntil.toISOString()],
  )
  return rows[0] ?? null
}

/** Records progress and renews the lease; false when the lease is no longer this worker's. */
export async function recordProgress(
  db: Sql,
  job: { id: string; owner: string },
  progress: { rows: number; bytes: number; leaseUntil: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE analytics_exports SET rows_written = $3, bytes_written = $4, lease_until = $5
      WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
    [job.id, job.owner, progress.rows, progress.bytes, progress.leaseUntil.toISOString()],
  )
  return rowCount === 1
}

/** Ends a running job of this worker: done with its object, or failed with a reason. */
export async function finishExport(
  db: Sql,
  job: { id: string; owner: string },
  end:
    | { status: 'done'; objectKey: string; rows: number; bytes: number; now: Date }
    | { status: 'failed'; error: string; now: Date },
): Promise<boolean> {
  const { rowCount } =
    end.status === 'done'
      ? await db.query(
          `UPDATE analytics_exports SET status = 'done', object_key = $3, rows_written = $4,
                  bytes_written = $5, finished_at = $6, lease_until = NULL
            WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
          [job.id, job.owner, end.objectKey, end.rows, end.bytes, end.now.toISOString()],
        )
      : await db.query(
          `UPDATE analytics_exports SET status = 'failed', error = $3, finished_at = $4, lease_until = NULL
            WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
          [job.id, job.owner, end.error, end.now.toISOString()],
        )
  return rowCount === 1
}

function only<T>(rows: T[]): T {
  const row = rows[0]
  if (row === undefined) throw new Error('expected one row')
  return row
}
