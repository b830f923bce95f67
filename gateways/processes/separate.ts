import cluster from 'node:cluster'
import { join } from 'node:path'
import { Gauge } from 'prom-client'
import type { Config } from '../../infra/config/config.ts'
import { parseKeyring } from '../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { openRouterReplicaStore } from '../../infra/lmdb/router-replica.ts'
import { createSpooledUsagePublisher } from '../../infra/lmdb/usage-spool.ts'
import { createRedisStore } from '../../infra/oidc/redis-store.ts'
import { createRabbitUsagePublisher } from '../../infra/rabbitmq/usage-bus.ts'
import { createRedisFreshnessCache } from '../../infra/redis/freshness-cache.ts'
import { createRedisHealthBoard } from '../../infra/redis/health-board.ts'
import { createRedisNonceStore } from '../../infra/redis/nonce-store.ts'
import { createRedisRateLimiter } from '../../infra/redis/rate-limiter.ts'
import { createRedisSpendLedger } from '../../infra/redis/spend-ledger.ts'
import { createSqlRecordedSpend } from '../../projections/usage/recorded-spend.ts'
import { adminRoutes } from '../admin/routes.ts'
import { analyticsRoutes } from '../analytics/routes.ts'
import type { AccessTokenVerifier } from '../http/access-tokens.ts'
import { mountConsole } from '../http/console.ts'
import { allowOrigin } from '../http/cors.ts'
import { mockModelRoutes } from '../mock-model/routes.ts'
import { issuerUrl, mountIssuer, tokenRateLimit } from '../oauth2/mount.ts'
import { remoteAccessTokenVerifier } from '../oauth2/remote-verifier.ts'
import { createModelCatalog } from '../router/models.ts'
import { dataKeysWithCopy } from '../router/replica-secrets.ts'
import { openAdapter, openPostgres } from './adapter.ts'
import { resolveAdminToken } from './admin-token.ts'
import { consoleOptions } from './console-wiring.ts'
import { openExports, openS3ObjectStore } from './export-wiring.ts'
import { configuredModels, openCatalogue, seedCatalogue, withCatalogue } from './models.ts'
import { notifyAppended, readModelsNudges } from './projection-wakeup.ts'
import {
  clusterMetricsText,
  startRouterCluster,
  workerConfig,
  workerCount,
  workerIndex,
} from './router-cluster.ts'
import { mountRouter } from './router-mount.ts'
import { openRouterReplica } from './router-replica.ts'
import { createRuntime, type Running, type Runtime, serveApi } from './runtime.ts'
import { markingChanges, spendLedgerCheck } from './spend-ledger-wiring.ts'
import { traced } from './traced.ts'
import { adminDeps, analyticsDeps, databaseCheck, projectionWaiter } from './wiring.ts'

// The HTTP processes of a production deployment, one per `aiaas <name>`. Each opens its adapters
// as plugins of its server (openAdapter): they close in reverse order once the server has stopped.

async function serveRouter(given: Config): Promise<Running> {
  const workers = workerCount(given)
  if (workers > 1 && cluster.isPrimary) return startRouterCluster(createRuntime(given, 'router'), workers)
  const index = workerIndex(given)
  const config = index === null ? given : workerConfig(given, index)
  const rt = createRuntime(config, 'router')
  if (index !== null) rt.metricsText = clusterMetricsText(rt)
  const echoUrl = `http://${config.AIAAS_HOST}:${config.AIAAS_MOCK_MODEL_PORT}/v1`
  const models = configuredModels(config, echoUrl)
  return serveApi(rt, config.PORT, async (app) => {
    const db = await openPostgres(app, config)
    const ledger = await openAdapter(app, 'ledger', async () =>
      // Under load the commands of one event-loop turn share a write (a socket write is the
      // router's dearest call); a lone command is written at once (infra/redis/client.ts).
      createRedisSpendLedger(config.AIAAS_REDIS_URL, { autoPipelining: true }),
    )
    const usage = await openAdapter(app, 'usage', () => spooledUsage(rt))
    const copy = await openAdapter(app, 'replicaCopy', () => replicaCopy(rt))
    const keyring = config.AIAAS_KEK ? parseKeyring(config.AIAAS_KEK) : undefined
    const catalogue = await openCatalogue(app, rt, db, keyring, copy)
    const catalog = createModelCatalog(withCatalogue(catalogue.models, models))
    const replica = await openRouterReplica(app, rt, {
      db,
      catalogue,
      listenUrl: config.AIAAS_DATABASE_URL,
      copy,
    })
    // Without PostgreSQL the router serves what its copy holds: degraded, not unready (ADR 0013).
    const database = { ...databaseCheck(db), degradable: () => replica.feed.position() !== null }
    const readiness = [database, { name: 'redis', check: () => ledger.ping() }, spendLedgerCheck(ledger)]
    // Signing secrets open like provider keys: with the KEK, data keys from the copy when needed.
    const secrets = createSecretBox(db, keyring, dataKeysWithCopy(db, copy))
    const nonces = await openAdapter(app, 'nonces', () => createRedisNonceStore(config.AIAAS_REDIS_URL))
    await mountRouter(
      app,
      rt,
      { db, ledger, recorded: createSqlRecordedSpend(db), usage, models: catalog, secrets, nonces },
      {
        keys: replica.keys,
        feed: replica.feed,
        healthBoard: () => createRedisHealthBoard(config.AIAAS_REDIS_URL),
        readiness,
      },
    )
  })
}

/** The router's local copy of its read models (ADR 0013), one directory per router process. */
function replicaCopy(rt: Runtime) {
  const path = rt.config.AIAAS_ROUTER_CACHE_DIR ?? join(rt.config.AIAAS_DATA_DIR, 'router-replica')
  return openRouterReplicaStore(path, (error) => rt.log.warn({ err: error }, 'router copy: a write failed'))
}

/**
 * Usage events the broker refuses wait in a local LMDB spool until it is back (what that
 * survives, and what not: ADR 0005 and docs/architecture.md, Faults).
 */
function spooledUsage(rt: Runtime) {
  const { config } = rt
  const usage = createSpooledUsagePublisher(
    createRabbitUsagePublisher(config.AIAAS_AMQP_URL, config.AIAAS_USAGE_QUEUE),
    {
      path: join(config.AIAAS_DATA_DIR, 'usage-spool'),
      publishWindowMs: config.AIAAS_USAGE_PUBLISH_WINDOW_MS,
      onError: (error) => rt.log.warn({ err: error }, 'usage bus refused an event; it waits in the spool'),
    },
  )
  new Gauge({
    name: 'aiaas_usage_spool_pending',
    help: 'Usage events waiting in the local spool for the broker',
    registers: [rt.metrics.registry],
    collect() {
      this.set(usage.pending())
    },
  })
  return usage
}

async function serveIdentity(config: Config): Promise<Running> {
  const rt = createRuntime(config, 'identity')
  const adminToken = await resolveAdminToken(config, 'separate', () => {})
  return serveApi(rt, config.AIAAS_IDENTITY_PORT, async (app) => {
    const db = await openPostgres(app, config)
    // The projector is another process: a command's response wakes it, then waits until it has
    // caught up (projection-wakeup.ts).
    const onError = (error: unknown) => rt.log.warn({ err: error }, 'read-models LISTEN failed; polling')
    const { nudges } = await openAdapter(app, 'readModelsNudges', async () =>
      readModelsNudges(config.AIAAS_DATABASE_URL, onError),
    )
    // Each change is marked on the spend ledger once projected: a router that has not seen it yet
    // refreshes its caches before its next admission, so a budget or limit change applies at once.
    const ledger = await openAdapter(app, 'ledger', async () =>
      createRedisSpendLedger(config.AIAAS_REDIS_URL),
    )
    const awaitProjection = markingChanges(projectionWaiter(db, notifyAppended(db), nudges), ledger, rt.log)
    const deps = adminDeps(rt, { db, commands: { store: createEventStore(db) } }, adminToken, awaitProjection)
    await seedCatalogue(rt, deps.commands, deps.secrets ?? createSecretBox(db, undefined), db)
    // The issuer's signing key is stored sealed: without a KEK there is no issuer (README), and
    // the admin API takes the admin token only.
    let verifyAccessToken: AccessTokenVerifier | undefined
    if (config.AIAAS_KEK && deps.secrets) {
      const issuer = issuerUrl(config, config.AIAAS_IDENTITY_PORT)
      // Sessions, codes, refresh tokens and the token endpoint's counts are shared by every
      // replica through Redis; not a readiness check: client_credentials works without it.
      const oidc = await openAdapter(app, 'oidcStore', () => createRedisStore(config.AIAAS_REDIS_URL))
      const limiter = await openAdapter(app, 'limiter', () => createRedisRateLimiter(config.AIAAS_REDIS_URL))
      const adapters = { db, secrets: deps.secrets, store: oidc.store }
      const limits = { tokenRateLimit: tokenRateLimit(config, limiter) }
      verifyAccessToken = await mountIssuer(app, adapters, issuer, limits)
      // The web console signs in with this issuer, so it is served where the issuer is.
      await mountConsole(app, consoleOptions(rt, issuer))
    } else rt.log.warn('AIAAS_KEK is unset: the OAuth2 issuer (/oauth2) is off')
    // The routers' circuits, read for /models/{name}/health; not a readiness check: only that
    // route needs it.
    const healthBoard = await openAdapter(app, 'healthBoard', () =>
      createRedisHealthBoard(config.AIAAS_REDIS_URL),
    )
    await app.register(adminRoutes, { prefix: '/admin/v1', ...deps, verifyAccessToken, healthBoard })
  })
}

async function serveAnalytics(config: Config): Promise<Running> {
  const rt = createRuntime(config, 'analytics')
  const adminToken = await resolveAdminToken(config, 'separate', () => {})
  return serveApi(rt, config.AIAAS_ANALYTICS_PORT, async (app) => {
    // The console, served by `aiaas identity`, calls this API from that origin (docs/console.md).
    if (config.AIAAS_CONSOLE_ORIGIN) allowOrigin(app, '/analytics/v1', config.AIAAS_CONSOLE_ORIGIN)
    const db = await openPostgres(app, config)
    // Access tokens are verified with the JWKS of `aiaas identity` (fetched once, cached); a
    // person's grant in the issuer's store (Redis), so a revoked grant's tokens stop here too.
    const oidc = await openAdapter(app, 'oidcStore', () => createRedisStore(config.AIAAS_REDIS_URL))
    const verifyAccessToken = remoteAccessTokenVerifier(config, db, undefined, oidc.store)
    // GET /spend shows the routers' counters: the spend ledger they share (AIAAS_REDIS_URL).
    const ledger = await openAdapter(app, 'ledger', async () =>
      createRedisSpendLedger(config.AIAAS_REDIS_URL),
    )
    // Every replica's answers share one freshness per organization and second (docs/analytics.md).
    const freshnessCache = await openAdapter(app, 'freshnessCache', () =>
      createRedisFreshnessCache(config.AIAAS_REDIS_URL),
    )
    const objectStore = await openS3ObjectStore(app, config)
    const exports = await openExports(app, rt, db, objectStore)
    const deps = { ...analyticsDeps(rt, db, adminToken, ledger), verifyAccessToken, freshnessCache, exports }
    await app.register(analyticsRoutes, { prefix: '/analytics/v1', ...deps })
  })
}

async function serveMockModel(config: Config): Promise<Running> {
  const rt = createRuntime(config, 'mock-model')
  const options = { prefix: '/v1', now: rt.now, newId: rt.newId }
  return serveApi(rt, config.AIAAS_MOCK_MODEL_PORT, (app) => app.register(mockModelRoutes, options))
}

// Each process starts the OpenTelemetry SDK first when AIAAS_TRACING=on (traced.ts).
export const startRouter = traced('router', serveRouter)
export const startIdentity = traced('identity', serveIdentity)
export const startAnalytics = traced('analytics', serveAnalytics)
export const startMockModel = traced('mock-model', serveMockModel)
