import { isAppError } from '../../../domain/errors.ts'
import type { Sql } from '../../../infra/ports/database.ts'
import type { ObjectStore } from '../../../infra/ports/object-store.ts'
import { claimExport, type ExportJob, finishExport, recordProgress } from './jobs.ts'
import { runExport } from './run-export.ts'

// The export worker of the analytics process (and of embedded mode): claims one job at a time,
// runs it under a lease it renews after every page, and marks it done or failed. A worker that
// stops or crashes mid-job leaves the job running with a lease that lapses; then any worker
// (this one restarted, or another) claims it again and redoes it from the start.

export interface ExportWorkerOptions {
  db: Sql
  store: ObjectStore
  /** This worker's name in lease_owner, unique per process run. */
  owner: string
  now?: () => Date
  /** How long a claim holds without renewal (AIAAS_EXPORT_LEASE_MS). */
  leaseMs?: number
  /** Wait between polls when no job is claimable. */
  idleMs?: number
  onError?: (error: unknown) => void
}

export interface ExportWorker {
  /** Claims and runs one job; false when there was none to claim. */
  runOnce(): Promise<boolean>
  start(): void
  /** Stops polling and abandons the current job (its lease lapses; another worker redoes it). */
  stop(): Promise<void>
}

export function createExportWorker(options: ExportWorkerOptions): ExportWorker {
  const now = options.now ?? (() => new Date())
  const leaseMs = options.leaseMs ?? 30_000
  const idleMs = options.idleMs ?? 1_000
  const controller = new AbortController()
  const leaseUntil = () => new Date(now().getTime() + leaseMs)
  let loop: Promise<void> | null = null

  async function run(job: ExportJob): Promise<void> {
    const ref = { id: job.id, owner: options.owner }
    const onPage = (p: { rows: number; bytes: number }) =>
      recordProgress(options.db, ref, { ...p, leaseUntil: leaseUntil() })
    try {
      const written = await runExport(
        { db: options.db, store: options.store, onPage, signal: controller.signal },
        job,
      )
      await finishExport(options.db, ref, { status: 'done', ...written, now: now() })
    } catch (error) {
      // Stopped: the job stays running until its lease lapses, so a restart redoes it.
      if (controller.signal.aborted) return
      options.onError?.(error)
      await finishExport(options.db, ref, { status: 'failed', error: messageOf(error), now: now() })
    }
  }

  async function runOnce(): Promise<boolean> {
    const job = await claimExport(options.db, options.owner, now(), leaseUntil())
    if (job === null) return false
    await run(job)
    return true
  }

  async function poll(): Promise<void> {
    while (!controller.signal.aborted) {
      const ran = await runOnce().catch((error: unknown) => {
        options.onError?.(error)
        return false
      })
      if (!ran) await idle(idleMs, controller.signal)
    }
  }

  return {
    runOnce,
    start() {
      loop ??= poll()
    },
    async stop() {
      controller.abort()
      await loop
    },
  }
}

function idle(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

// Shown to the user on GET /exports/{id}: our own AppError's code and message; anything else
// (a driver's message may name hosts) only as "export failed", the details going to onError.
function messageOf(error: unknown): string {
  return isAppError(error) ? `${error.code}: ${error.message}`.slice(0, 500) : 'export failed'
}
