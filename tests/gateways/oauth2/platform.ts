import { v7 } from 'uuid'
import { afterEach, beforeEach, expect, onTestFinished } from 'vitest'
import { adminRoutes } from '../../../gateways/admin/routes.ts'
import { analyticsRoutes } from '../../../gateways/analytics/routes.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { mountIssuer } from '../../../gateways/oauth2/mount.ts'
import { remoteAccessTokenVerifier } from '../../../gateways/oauth2/remote-verifier.ts'
import { projectionWaiter } from '../../../gateways/processes/wiring.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import type { OidcStore } from '../../../infra/oidc/adapter.ts'
import { memoryStore } from '../../../infra/oidc/memory-store.ts'
import type { Database, Sql } from '../../../infra/ports/database.ts'
import { readModelsProjection } from '../../../projections/read-models.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { call } from '../../support/json-http.ts'

// The issuer, the admin API and the analytics API on one server, wired as `aiaas dev` wires them
// (both APIs take the issuer's access tokens), on a database the test chose, over real HTTP.
export const PLATFORM_ADMIN_TOKEN = 'oauth2-platform-admin-token-0123456789'
export const PLATFORM_ISSUER = 'http://issuer.test/oauth2'

export async function startTokenPlatform(db: Database) {
  const store = createEventStore(db)
  // Polls as the processes' projector does (gateways/processes/workers.ts): on PostgreSQL a
  // pass can stop short of a commit while another transaction of the cluster runs, and a long
  // idle would then leave the read model behind the projection wait (5 s).
  const projector = startSubscription(db, store, readModelsProjection, { idleMs: 50 })
  const waiter = projectionWaiter(db, () => projector.wake())
  const secrets = createSecretBox(db, parseKeyring(newKeyringText('k1')))
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('oauth2-platform-test') })
  /** The server, then the projector: before the database goes, so no pass meets a closed pool. */
  const stop = async () => {
    await app.close()
    await projector.stop()
  }
  const oidcStore = memoryStore()
  const verifyAccessToken = await mountIssuer(app, { db, secrets, store: oidcStore }, PLATFORM_ISSUER)
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    commands: { store, now: () => new Date(), newId: v7 },
    readModels: db,
    adminToken: PLATFORM_ADMIN_TOKEN,
    awaitProjection: waiter,
    readiness: [],
    verifyAccessToken,
  })
  const analytics = {
    db,
    ledger: createMemorySpendLedger(),
    adminToken: PLATFORM_ADMIN_TOKEN,
    now: () => new Date(),
    readiness: [],
    verifyAccessToken,
  }
  await app.register(analyticsRoutes, { prefix: '/analytics/v1', ...analytics })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  return { base, store, secrets, oidcStore, stop }
}

/**
 * The analytics API on a server of its own, checking tokens as a separate `aiaas analytics` does:
 * the issuer's keys fetched from `jwks`, a person's grant looked up in `grants` when given.
 */
export async function startSeparateAnalytics(db: Sql, jwks: URL, grants?: OidcStore): Promise<string> {
  const config = loadConfig({ AIAAS_ISSUER_URL: PLATFORM_ISSUER, AIAAS_LOG_LEVEL: 'silent' })
  const verifyAccessToken = remoteAccessTokenVerifier(config, db, jwks, grants)
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('analytics-separate-test') })
  const deps = {
    db,
    ledger: createMemorySpendLedger(),
    adminToken: PLATFORM_ADMIN_TOKEN,
    now: () => new Date(),
    readiness: [],
  }
  await app.register(analyticsRoutes, { prefix: '/analytics/v1', ...deps, verifyAccessToken })
  onTestFinished(() => app.close())
  return app.listen({ host: '127.0.0.1', port: 0 })
}

export { call, clientCredentials, type Json } from '../../support/json-http.ts'

export type TokenPlatform = Awaited<ReturnType<typeof startTokenPlatform>>

/**
 * Every test of the file on its own schema of real PostgreSQL with the token platform on it:
 * `handle` and `platform` are the current test's, read inside the test.
 */
export function tokenPlatformEachTest(schema: string) {
  const makeDb = makePostgres(schema)
  const current: { handle?: TestDatabase; platform?: TokenPlatform } = {}
  beforeEach(async () => {
    current.handle = await makeDb()
    current.platform = await startTokenPlatform(current.handle.db)
  })
  afterEach(async () => {
    await current.platform?.stop()
    await current.handle?.dispose()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the token platform starts in beforeEach: read it inside a test')
    return value
  }
  const asAdmin = (method: string, path: string, body?: unknown) =>
    call(started(current.platform).base, PLATFORM_ADMIN_TOKEN, method, `/admin/v1${path}`, body)
  return {
    get handle() {
      return started(current.handle)
    },
    get platform() {
      return started(current.platform)
    },
    asAdmin,
    /** A new organization, requiring a second factor when asked. */
    async organization(name: string, mfa_required = false): Promise<string> {
      const made = await asAdmin('POST', '/organizations', { name })
      expect(made.status).toBe(201)
      const id = String(made.body.id)
      if (mfa_required) {
        expect((await asAdmin('PATCH', `/organizations/${id}`, { settings: { mfa_required } })).status).toBe(
          200,
        )
      }
      return id
    },
  }
}
