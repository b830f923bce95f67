import type { RouteOptions } from 'fastify'
import { v7 } from 'uuid'
import type { AddressClass } from '../../../domain/models/backend-address.ts'
import { adminRoutes } from '../../../gateways/admin/routes.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { projectionWaiter } from '../../../gateways/processes/wiring.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { HealthBoard } from '../../../infra/ports/health-board.ts'
import type { SecretBox } from '../../../infra/ports/secret-box.ts'
import { readModelsProjection } from '../../../projections/read-models.ts'

// The admin API alone, on a database the test chose, with its projector: requests go through
// app.inject. `beforeProjection` runs inside each command's read-your-writes wait, after the
// command committed: a test holds a request there, or fails it after its events are stored.

export const ADMIN_TOKEN = 'admin-test-token-0123456789'
export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }

export interface AdminAppOptions {
  beforeProjection?: (position: bigint) => Promise<void>
  now?: () => Date
  /** The model catalogue's secret box and backend allow-list (AdminDeps). */
  secrets?: SecretBox
  backendAddresses?: readonly AddressClass[]
  /** Log lines go here at this level (default: silent), for tests that read what is logged. */
  logStream?: { write(line: string): void }
  logLevel?: string
  /** The routers' circuits, for /models/{name}/health (AdminDeps). */
  healthBoard?: HealthBoard
}

export async function startAdminApp(db: Database, options: AdminAppOptions = {}) {
  const store = createEventStore(db)
  // Polls as the processes' projector does (gateways/processes/workers.ts): on PostgreSQL a
  // pass can stop short of a commit while another transaction of the cluster runs, and a long
  // idle would then leave the read model behind the projection wait (5 s).
  const projector = startSubscription(db, store, readModelsProjection, { idleMs: 50 })
  const waiter = projectionWaiter(db, () => projector.wake())
  const logging = {
    logLevel: options.logLevel ?? 'silent',
    ...(options.logStream ? { logStream: options.logStream } : {}),
  }
  const app = createServer({ ...logging, metrics: createMetrics('admin-test') })
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => {
    routes.push(route)
  })
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    commands: { store, now: options.now ?? (() => new Date()), newId: v7 },
    readModels: db,
    adminToken: ADMIN_TOKEN,
    awaitProjection: async (position) => {
      await options.beforeProjection?.(position)
      await waiter(position)
    },
    readiness: [],
    secrets: options.secrets,
    backendAddresses: options.backendAddresses,
    healthBoard: options.healthBoard,
  })
  await app.ready()
  return {
    app,
    store,
    /** Every route registered, as fastify saw it (for the OpenAPI completeness test). */
    routes,
    async close() {
      await app.close()
      await projector.stop()
    },
  }
}
