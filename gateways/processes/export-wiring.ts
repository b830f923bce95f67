import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../../infra/config/config.ts'
import { createLocalObjectStore } from '../../infra/local/object-store.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { ObjectStore } from '../../infra/ports/object-store.ts'
import { createS3ObjectStore, s3OptionsOf } from '../../infra/s3/object-store.ts'
import { createExportWorker } from '../../projections/usage/exports/worker.ts'
import { exportDownloadRoute, exportLinkKey } from '../analytics/export-downloads.ts'
import type { AnalyticsDeps } from '../analytics/routes.ts'
import { openAdapter } from './adapter.ts'
import type { Runtime } from './runtime.ts'

// CSV exports in a process that serves the analytics API: the object store, and an export worker
// beside the routes (docs/analytics.md, "Exports"). Every replica runs one: jobs are claimed with
// SKIP LOCKED, and a replica that dies leaves its job to another once the lease lapses.

/** The S3 object store of a separate process (AIAAS_S3_*), as adapter `objectStore`. */
export function openS3ObjectStore(app: Pick<FastifyInstance, 'register'>, config: Config) {
  return openAdapter(app, 'objectStore', () => createS3ObjectStore(s3OptionsOf(config)))
}

/** Starts the export worker (closed, so stopped, with the app) and returns the routes' deps. */
export async function openExports(
  app: Pick<FastifyInstance, 'register'>,
  rt: Runtime,
  db: Sql,
  store: ObjectStore,
): Promise<NonNullable<AnalyticsDeps['exports']>> {
  await openAdapter(app, 'exportWorker', () => {
    const worker = createExportWorker({
      db,
      store,
      // Unique per process run: a restarted process does not own its predecessor's lease.
      owner: `export-worker:${rt.newId()}`,
      now: rt.now,
      leaseMs: rt.config.AIAAS_EXPORT_LEASE_MS,
      onError: (error) => rt.log.warn({ err: error }, 'export failed'),
    })
    worker.start()
    return { close: () => worker.stop() }
  })
  return { store, urlTtlSeconds: rt.config.AIAAS_EXPORT_URL_TTL_SECONDS }
}

/**
 * Embedded mode's exports: files under `<AIAAS_DATA_DIR>/objects`, downloaded from this server's
 * `/exports/…` with HMAC-signed expiring links (infra/local/object-store.ts), and the worker.
 */
export async function openLocalExports(
  app: FastifyInstance,
  rt: Runtime,
  db: Sql,
  adminToken: string,
): Promise<NonNullable<AnalyticsDeps['exports']>> {
  const { config } = rt
  const secret = { signingKey: exportLinkKey(adminToken), now: () => rt.now().getTime() }
  const store = await openAdapter(app, 'objectStore', () =>
    createLocalObjectStore({
      ...secret,
      dir: join(config.AIAAS_DATA_DIR, 'objects'),
      baseUrl: `http://${config.AIAAS_HOST}:${config.PORT}`,
    }),
  )
  exportDownloadRoute(app, store, secret)
  return openExports(app, rt, db, store)
}
