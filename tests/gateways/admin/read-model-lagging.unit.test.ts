import { v7 } from 'uuid'
import { afterEach, describe, expect, it } from 'vitest'
import { adminRoutes } from '../../../gateways/admin/routes.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { projectionWaiter } from '../../../gateways/processes/wiring.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import { readModelsProjection } from '../../../projections/read-models.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { ADMIN_TOKEN, auth } from './admin-app.ts'

// A command recorded while the projector is down: the answer cannot be read from the read models,
// so it is 503 READ_MODEL_LAGGING with Retry-After (never a 404 for what was just created), and a
// retry with the same Idempotency-Key once the projector runs writes nothing twice and answers 201.

let handle: TestDatabase | undefined
afterEach(async () => {
  await handle?.dispose()
})

async function adminWithoutProjector() {
  handle = await makePglite()
  const db = handle.db
  const store = createEventStore(db)
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('lagging-test') })
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    commands: { store, now: () => new Date(), newId: v7 },
    readModels: db,
    adminToken: ADMIN_TOKEN,
    awaitProjection: projectionWaiter(db, () => {}, undefined, 100),
    readiness: [],
  })
  await app.ready()
  return { app, db, store }
}

describe('a command the read models have not caught up with', () => {
  it('a write that answers from the read models: 503 READ_MODEL_LAGGING with Retry-After; the same Idempotency-Key later answers 201, nothing written twice', async () => {
    const { app, db, store } = await adminWithoutProjector()
    const create = () =>
      app.inject({
        method: 'POST',
        url: '/admin/v1/users',
        headers: { ...auth, 'idempotency-key': 'lagging-1' },
        payload: { email: 'lagging@example.com', display_name: 'Lagging' },
      })
    const lagging = await create()
    expect(lagging.statusCode).toBe(503)
    expect(lagging.headers['retry-after']).toBe('1')
    expect(lagging.headers['content-type']).toContain('application/problem+json')
    const problem = lagging.json()
    expect(problem.code).toBe('READ_MODEL_LAGGING')
    expect(problem.detail).toContain('change was recorded')
    const count = async () =>
      (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE type = 'UserCreated'"))
        .rows[0]?.n
    expect(await count()).toBe(1)

    const projector = startSubscription(db, store, readModelsProjection, { idleMs: 20 })
    try {
      const retried = await create()
      expect(retried.statusCode).toBe(201)
      expect(retried.json()).toMatchObject({ object: 'user', email: 'lagging@example.com' })
      expect(await count()).toBe(1)
    } finally {
      await projector.stop()
      await app.close()
    }
  })

  it('a write that answers from the event store (an organization) answers 201 all the same', async () => {
    const { app } = await adminWithoutProjector()
    try {
      const created = await app.inject({
        method: 'POST',
        url: '/admin/v1/organizations',
        headers: auth,
        payload: { name: 'Answered from the log' },
      })
      expect(created.statusCode).toBe(201)
      expect(created.json()).toMatchObject({ object: 'organization', name: 'Answered from the log' })
    } finally {
      await app.close()
    }
  })
})
