import type { FastifyInstance, RouteOptions } from 'fastify'
import { v7 } from 'uuid'
import type { Subject } from '../../../domain/authorization/subject.ts'
import { adminRoutes } from '../../../gateways/admin/routes.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { projectionWaiter } from '../../../gateways/processes/wiring.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { SecretBox } from '../../../infra/ports/secret-box.ts'
import { readModelsProjection } from '../../../projections/read-models.ts'
import { ADMIN_TOKEN } from './admin-app.ts'

// The admin API with a caller of the test's choosing: sign-in (issue 7's OIDC part) is not what
// these tests are about, so a request names its subject in a test-only header and a hook that runs
// after authentication (preValidation, before authorization's preHandler) puts it on the request.
// Every request still carries the admin token, which authentication requires.

const SUBJECT_HEADER = 'x-test-subject'

/** The headers of a caller acting as `subject`: `adminToken` passes authentication. */
export const asSubject = (adminToken: string, subject: Subject): Readonly<Record<string, string>> => ({
  authorization: `Bearer ${adminToken}`,
  [SUBJECT_HEADER]: JSON.stringify(subject),
})

export const as = (subject: Subject) => asSubject(ADMIN_TOKEN, subject)

/** Lets requests name their subject in the test-only header, and lists every route registered. */
export function takeTestSubjects(app: FastifyInstance): RouteOptions[] {
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => {
    routes.push(route)
  })
  app.addHook('preValidation', async (request) => {
    const given = request.headers[SUBJECT_HEADER]
    if (typeof given === 'string' && request.subject) request.subject = JSON.parse(given)
  })
  return routes
}

export async function startAuthzApp(
  db: Database,
  logStream?: { write(line: string): void },
  secrets?: SecretBox,
  /** Runs inside each command's read-your-writes wait, first (admin-app.ts's beforeProjection). */
  beforeProjection?: (position: bigint) => Promise<void>,
) {
  const store = createEventStore(db)
  // Polls as the processes' projector does (see admin-app.ts).
  const projector = startSubscription(db, store, readModelsProjection, { idleMs: 50 })
  const waiter = projectionWaiter(db, () => projector.wake())
  const logging = logStream ? { logLevel: 'warn', logStream } : { logLevel: 'silent' }
  const app = createServer({ ...logging, metrics: createMetrics('authz-test') })
  const routes = takeTestSubjects(app)
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    commands: { store, now: () => new Date(), newId: v7 },
    readModels: db,
    adminToken: ADMIN_TOKEN,
    awaitProjection: async (position: bigint) => {
      await beforeProjection?.(position)
      await waiter(position)
    },
    readiness: [],
    secrets,
  })
  await app.ready()
  return {
    app,
    store,
    routes,
    /** One admin API request by inject, under /admin/v1; the body parsed, null when empty. */
    async call(
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      headers: object,
      payload?: object,
    ) {
      const response = await app.inject({
        method,
        url: `/admin/v1${url}`,
        headers: { ...headers },
        ...(payload ? { payload } : {}),
      })
      return { status: response.statusCode, body: response.body === '' ? null : response.json() }
    },
    async close() {
      await app.close()
      await projector.stop()
    },
  }
}
