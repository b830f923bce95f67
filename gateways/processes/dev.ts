import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../../infra/config/config.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { startSubscription } from '../../infra/event-store/subscription.ts'
import { createMemoryBudgetLedger } from '../../infra/memory/budget-ledger.ts'
import { createMemoryRateLimiter } from '../../infra/memory/rate-limiter.ts'
import { createMemoryUsageBus } from '../../infra/memory/usage-bus.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../infra/pglite/database.ts'
import { readModelsProjection } from '../../projections/read-models.ts'
import { ingestUsageEvent } from '../../projections/usage/ingest.ts'
import { adminRoutes } from '../admin/routes.ts'
import { analyticsRoutes } from '../analytics/routes.ts'
import { createServer } from '../http/server.ts'
import { serveMockModelOnSocket } from '../mock-model/socket.ts'
import { createModelCatalog, type Model } from '../router/models.ts'
import { routerRoutes } from '../router/routes.ts'
import { resolveAdminToken, whereIsTheAdminToken } from './admin-token.ts'
import { configuredModels } from './models.ts'
import { createRuntime, type Running } from './runtime.ts'
import { adminDeps, analyticsDeps, databaseCheck, projectionWaiter, routerDeps } from './wiring.ts'

/**
 * `aiaas dev`: the whole platform in one process on one port, on PGlite and in-process adapters,
 * with the `echo` model on a Unix socket only the router reaches. Nothing to install.
 */
export async function startDev(config: Config): Promise<Running & { adminToken: string }> {
  const rt = createRuntime(config, 'dev')
  await mkdir(config.AIAAS_DATA_DIR, { recursive: true })
  const db = await createPgliteDatabase(join(config.AIAAS_DATA_DIR, 'pglite'))
  await migrate(db)
  const store = createEventStore(db)
  const onError = (error: unknown) => rt.log.error({ err: error }, 'projection failed; retrying')
  const projector = startSubscription(db, store, readModelsProjection, { onError })
  const limiter = createMemoryRateLimiter()
  const budgets = createMemoryBudgetLedger()
  const bus = createMemoryUsageBus()
  await bus.consumer.start(async (event) => {
    await ingestUsageEvent(db, event)
  })
  const adminToken = await resolveAdminToken(config, 'embedded', (token, path) => {
    // Said once, to a person reading the terminal; the file keeps it for the next starts.
    process.stdout.write(`\nGenerated the admin token (kept in ${path}, mode 0600):\n  ${token}\n\n`)
    rt.log.warn({ path }, 'generated the admin token')
  })

  let models: Model[] = []
  const catalog = createModelCatalog(() => models)
  const awaitProjection = projectionWaiter(db, () => projector.wake())
  const readiness = [databaseCheck(db)]

  // Not on the public port, where it was a free unmetered endpoint (gateways/mock-model/socket.ts).
  const mockModel = await serveMockModelOnSocket({
    dataDir: config.AIAAS_DATA_DIR,
    logLevel: config.AIAAS_LOG_LEVEL,
    now: rt.now,
    newId: rt.newId,
  })
  const app = createServer({ logLevel: config.AIAAS_LOG_LEVEL, metrics: rt.metrics })
  await app.register(routerRoutes, {
    prefix: '/v1',
    ...routerDeps(rt, { db, limiter, budgets, usage: bus.publisher, models: catalog }, readiness),
  })
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    ...adminDeps(rt, { db, commands: { store } }, adminToken, awaitProjection),
  })
  await app.register(analyticsRoutes, { prefix: '/analytics/v1', ...analyticsDeps(rt, db, adminToken) })

  const url = await app.listen({ host: config.AIAAS_HOST, port: config.PORT })
  models = configuredModels(config, mockModel)
  rt.log.info({ url, data_dir: config.AIAAS_DATA_DIR }, 'AIaaS embedded platform ready')

  return {
    url,
    adminToken,
    notes: [whereIsTheAdminToken(config)],
    async stop() {
      await app.close()
      await mockModel.close()
      await projector.stop()
      await bus.consumer.close()
      await bus.publisher.close()
      await limiter.close()
      await budgets.close()
      await db.close()
    },
  }
}
