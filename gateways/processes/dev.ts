import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../../infra/config/config.ts'
import { resolveKeyring } from '../../infra/crypto/kek-file.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { startSubscription } from '../../infra/event-store/subscription.ts'
import { createMemoryHealthBoard } from '../../infra/memory/health-board.ts'
import { createMemoryRateLimiter } from '../../infra/memory/rate-limiter.ts'
import { createMemorySpendLedger } from '../../infra/memory/spend-ledger.ts'
import { createMemoryUsageBus } from '../../infra/memory/usage-bus.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import { sqlStore } from '../../infra/oidc/sql-store.ts'
import { createThreadedPgliteDatabase } from '../../infra/pglite/threaded-database.ts'
import { eventChainProjection } from '../../projections/audit-chain/event-chain.ts'
import { readModelsProjection } from '../../projections/read-models.ts'
import { createSqlRecordedSpend } from '../../projections/usage/recorded-spend.ts'
import { adminRoutes } from '../admin/routes.ts'
import { analyticsRoutes } from '../analytics/routes.ts'
import { mountConsole } from '../http/console.ts'
import type { ZodApp } from '../http/server.ts'
import { serveMockModelOnSocket } from '../mock-model/socket.ts'
import { issuerUrl, mountIssuer, tokenRateLimit } from '../oauth2/mount.ts'
import { createModelCatalog } from '../router/models.ts'
import { openAdapter, stoppable } from './adapter.ts'
import { resolveAdminToken, whereIsTheAdminToken } from './admin-token.ts'
import { tracedIngest, tracedSubscriber } from './batch-spans.ts'
import { openBudgetWebhooks } from './budget-webhooks.ts'
import { consoleOptions } from './console-wiring.ts'
import { openLocalExports } from './export-wiring.ts'
import { configuredModels, openCatalogue, seedCatalogue, withCatalogue } from './models.ts'
import { mountRouter } from './router-mount.ts'
import { openRouterReplica } from './router-replica.ts'
import { createRuntime, type Running, type Runtime, serveApi } from './runtime.ts'
import { markingChanges, spendLedgerCheck } from './spend-ledger-wiring.ts'
import { openReconciler } from './spend-reconciler.ts'
import { openThresholdWatch } from './threshold-watch.ts'
import { traced } from './traced.ts'
import { ingestBatching, usageIngestHandler } from './usage-ingest.ts'
import { openPartitionMaintenance, usagePartitionPolicy } from './usage-partitions.ts'
import { adminDeps, analyticsDeps, databaseCheck, projectionWaiter } from './wiring.ts'

/**
 * `aiaas dev`: the whole platform in one process on one port, on PGlite and in-process adapters,
 * with the `echo` model on a Unix socket only the router reaches. Nothing to install.
 */
async function serveDev(config: Config): Promise<Running & { adminToken: string }> {
  const rt = createRuntime(config, 'dev')
  await mkdir(config.AIAAS_DATA_DIR, { recursive: true })
  const adminToken = await resolveAdminToken(config, 'embedded', (token, path) => {
    // Said once, to a person reading the terminal; the file keeps it for the next starts.
    process.stdout.write(`\nGenerated the admin token (kept in ${path}, mode 0600):\n  ${token}\n\n`)
    rt.log.warn({ path }, 'generated the admin token')
  })
  const running = await serveApi(rt, config.PORT, async (app) => {
    const { db, store, projector, limiter, ledger, usage, mockModel } = await openEmbeddedAdapters(app, rt)
    const keyring = await resolveKeyring(config.AIAAS_KEK, config.AIAAS_DATA_DIR, 'embedded')
    const catalogue = await openCatalogue(app, rt, db, keyring)
    const catalog = createModelCatalog(withCatalogue(catalogue.models, configuredModels(config, mockModel)))
    const readiness = [databaseCheck(db), spendLedgerCheck(ledger)]
    const replica = await openRouterReplica(app, rt, { db, catalogue })
    const secretBox = createSecretBox(db, keyring)
    // One board for the router and the admin API: a circuit the router opens shows at once.
    const healthBoard = createMemoryHealthBoard()
    await mountRouter(
      app,
      rt,
      // Counters rebuilt from the embedded database's usage: a restart never forgets spend.
      { db, ledger, recorded: createSqlRecordedSpend(db), usage, models: catalog, secrets: secretBox },
      {
        keys: replica.keys,
        feed: replica.feed,
        healthBoard: () => healthBoard,
        readiness,
      },
    )
    // A command's response waits for the read models, then for this (the only) router's caches.
    const projected = projectionWaiter(db, () => projector.wake())
    // Marked on the ledger too, so an admission of a router that missed the change refreshes first.
    const awaitProjection = markingChanges(
      async (position: bigint) => {
        await projected(position)
        await replica.feed.wake().catch(() => {})
      },
      ledger,
      rt.log,
    )
    const admin = adminDeps(rt, { db, commands: { store }, keyring }, adminToken, awaitProjection)
    const secrets = admin.secrets ?? createSecretBox(db, keyring)
    await seedCatalogue(rt, admin.commands, secrets, db)
    // Both APIs take the issuer's access tokens: the policy decides what each may do. Its
    // sessions, codes and refresh tokens are kept in the PGlite, so a restart keeps them.
    const verifyAccessToken = await mountIssuer(
      app,
      { db, secrets, store: sqlStore(db) },
      issuerUrl(config, config.PORT),
      { tokenRateLimit: tokenRateLimit(config, limiter) },
    )
    await app.register(adminRoutes, { prefix: '/admin/v1', ...admin, verifyAccessToken, healthBoard })
    await mountConsole(app, consoleOptions(rt, issuerUrl(config, config.PORT)))
    // GET /spend shows this router's own counters: the ledger the embedded router admits on.
    const exports = await openLocalExports(app, rt, db, adminToken)
    const analytics = { ...analyticsDeps(rt, db, adminToken, ledger), verifyAccessToken, exports }
    await app.register(analyticsRoutes, { prefix: '/analytics/v1', ...analytics })
    await openThresholdWatch(app, rt, { db, store, ledger }, config.AIAAS_BUDGET_ALERT_INTERVAL_MS)
    await openBudgetWebhooks(app, rt, { db, store })
    await openReconciler(app, rt, { db, ledger }, config.AIAAS_BUDGET_RECONCILE_INTERVAL_MS)
  })
  rt.log.info({ url: running.url, data_dir: config.AIAAS_DATA_DIR }, 'AIaaS embedded platform ready')
  return { ...running, adminToken, notes: [whereIsTheAdminToken(config)] }
}

/**
 * Every adapter of embedded mode, opened in dependency order as plugins of `app`; `app.close()`
 * closes them in reverse, after the server has stopped: the mock model, ingest, the usage bus,
 * the ledgers, the projector, and the database last.
 */
async function openEmbeddedAdapters(app: ZodApp, rt: Runtime) {
  const { config } = rt
  const db = await openAdapter(app, 'db', async () => {
    // On a thread of its own (ADR 0030): PostgreSQL's work does not hold up the router's requests.
    const db = await createThreadedPgliteDatabase(join(config.AIAAS_DATA_DIR, 'pglite'))
    await migrate(db)
    return db
  })
  const store = createEventStore(db)
  const onError = (error: unknown) => rt.log.error({ err: error }, 'projection failed; retrying')
  const { subscription: projector } = await openAdapter(app, 'projector', () =>
    stoppable(startSubscription(db, store, tracedSubscriber(rt.tracing, readModelsProjection), { onError })),
  )
  // The tamper-evident chain follows the log right after commit (docs/audit.md, ADR 0023).
  await openAdapter(app, 'eventChain', () =>
    stoppable(startSubscription(db, store, tracedSubscriber(rt.tracing, eventChainProjection), { onError })),
  )
  const limiter = await openAdapter(app, 'limiter', () => createMemoryRateLimiter())
  const ledger = await openAdapter(app, 'ledger', async () => createMemorySpendLedger())
  const bus = createMemoryUsageBus(ingestBatching(config))
  const usage = await openAdapter(app, 'usage', () => bus.publisher)
  await openPartitionMaintenance(app, rt, db, usagePartitionPolicy(config))
  await openAdapter(app, 'ingest', async () => {
    const handler = usageIngestHandler(db, bus.consumer, rt.log, rt.now, rt.metrics)
    await bus.consumer.start(tracedIngest(rt.tracing, handler))
    return bus.consumer
  })
  // Not on the public port, where it was a free unmetered endpoint (gateways/mock-model/socket.ts).
  const mockModel = await openAdapter(app, 'mockModel', () =>
    serveMockModelOnSocket({
      dataDir: config.AIAAS_DATA_DIR,
      logLevel: config.AIAAS_LOG_LEVEL,
      now: rt.now,
      newId: rt.newId,
    }),
  )
  return { db, store, projector, limiter, ledger, usage, mockModel }
}

// Each process starts the OpenTelemetry SDK first when AIAAS_TRACING=on (traced.ts).
export const startDev = traced('dev', serveDev)
