import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { adminRoutes } from '../../../gateways/admin/routes.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { serveMockModelOnSocket } from '../../../gateways/mock-model/socket.ts'
import { createRuntime } from '../../../gateways/processes/runtime.ts'
import { markingChanges } from '../../../gateways/processes/spend-ledger-wiring.ts'
import { adminDeps, projectionWaiter, routerDeps } from '../../../gateways/processes/wiring.ts'
import { createModelCatalog, type Model } from '../../../gateways/router/models.ts'
import { startRouterReplica } from '../../../gateways/router/replica.ts'
import { routerRoutes } from '../../../gateways/router/routes.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import { createMemoryUsageBus } from '../../../infra/memory/usage-bus.ts'
import type { NonceStore } from '../../../infra/ports/nonce-store.ts'
import { findApiKeyByHash } from '../../../projections/api-keys/key-lookup.ts'
import { readModelsProjection } from '../../../projections/read-models.ts'
import { createSqlRecordedSpend } from '../../../projections/usage/recorded-spend.ts'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'

export const ADMIN_TOKEN = 'api-keys-test-admin-token-0123456789'

/** Serves `echo` (the mock model) on a Unix socket in a temporary directory, for a test's life. */
async function mockModelBackend(rt: ReturnType<typeof createRuntime>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'aiaas-api-keys-'))
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
  const mock = await serveMockModelOnSocket({ dataDir, logLevel: 'silent', now: rt.now, newId: rt.newId })
  onTestFinished(() => mock.close())
  return { backend_url: mock.url, backend_socket_path: mock.socketPath, backend_model: 'echo' }
}

/** Where models point when a test sends no completion: nothing listens there. */
const NO_BACKEND = { backend_url: 'http://127.0.0.1:1/v1' }

/**
 * The admin API and the router on one app, wired as the processes wire them (the router's key
 * cache included), on a fresh database (a PostgreSQL schema by default), with the projector
 * running, and `echo` and `echo-2` as models: both the mock model over a Unix socket when
 * `backend` (the admin route tests, which send no completion, leave it out: no I/O but PGlite).
 */
export async function startPlatform(
  makeDb: MakeDatabase = makePostgres('apikeys'),
  options: { backend: boolean; nonces?: NonceStore; feedPollMs?: number } = { backend: true },
) {
  const config = loadConfig({ AIAAS_LOG_LEVEL: 'silent' })
  const rt = createRuntime(config, 'test')
  const { db, dispose } = await makeDb()
  onTestFinished(dispose)
  const store = createEventStore(db)
  const projector = startSubscription(db, store, readModelsProjection, {})
  onTestFinished(() => projector.stop())
  const backend = options.backend ? await mockModelBackend(rt) : NO_BACKEND
  const price = { input_usd_per_mtok: 1, output_usd_per_mtok: 1, max_output_tokens: 4096 }
  const models: Model[] = [
    { name: 'echo', ...backend, ...price },
    { name: 'echo-2', ...backend, ...price },
  ]
  const bus = createMemoryUsageBus()
  // One KEK for the admin API (which seals signing secrets) and the router (which opens them).
  const keyring = parseKeyring(newKeyringText('t'))
  // The router's key cache, kept fresh by the change feed as in the processes (its poll: no NOTIFY).
  const find = (hash: string) => findApiKeyByHash(db, hash)
  const replica = startRouterReplica({
    db,
    find,
    ...(options.feedPollMs === undefined ? {} : { pollMs: options.feedPollMs }),
  })
  onTestFinished(() => replica.close())
  const ledger = createMemorySpendLedger()
  const router = routerDeps(
    rt,
    {
      db,
      ledger,
      recorded: createSqlRecordedSpend(db),
      usage: bus.publisher,
      models: createModelCatalog(() => models),
      keys: replica.keys,
      feed: replica.feed,
      secrets: createSecretBox(db, keyring),
      ...(options.nonces ? { nonces: options.nonces } : {}),
    },
    [],
  )
  // As the processes do: a command's answer waits for the read models, then marks the ledger.
  const awaitProjection = markingChanges(
    projectionWaiter(db, () => projector.wake()),
    ledger,
    console,
  )
  const admin = adminDeps(rt, { db, commands: { store }, keyring }, ADMIN_TOKEN, awaitProjection)
  const app = createServer({ logLevel: 'silent', metrics: rt.metrics })
  await app.register(routerRoutes, { prefix: '/v1', ...router })
  await app.register(adminRoutes, { prefix: '/admin/v1', ...admin })
  onTestFinished(() => app.close())
  return { app, db, store, commands: admin.commands, awaitProjection, replica }
}

export type Platform = Awaited<ReturnType<typeof startPlatform>>

const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` }

/** An admin request; the response's status and JSON body. */
export async function admin(platform: Platform, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const response = await platform.app.inject({
    method,
    url: `/admin/v1${url}`,
    headers: adminHeaders,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return { status: response.statusCode, body: response.json(), headers: response.headers }
}

export async function newOrganization(platform: Platform): Promise<string> {
  const { status, body } = await admin(platform, 'POST', '/organizations', { name: 'Acme' })
  if (status !== 201) throw new Error(`organization not created: ${status} ${JSON.stringify(body)}`)
  return (body as { id: string }).id
}

/** A new user, made a `member` of the organization; their id. */
export async function newMember(platform: Platform, organization_id: string): Promise<string> {
  const email = `user-${crypto.randomUUID()}@example.com`
  const created = await admin(platform, 'POST', '/users', { email, display_name: 'Ada' })
  if (created.status !== 201) throw new Error(`user not created: ${JSON.stringify(created.body)}`)
  const user_id = (created.body as { id: string }).id
  const joined = await platform.app.inject({
    method: 'PUT',
    url: `/admin/v1/organizations/${organization_id}/members/${user_id}`,
    headers: adminHeaders,
    payload: { roles: ['member'] },
  })
  if (joined.statusCode !== 200) throw new Error(`membership not set: ${joined.body}`)
  return user_id
}

/** A chat completion with `key` for `model`; the response's status and JSON body. */
export async function chat(platform: Platform, key: string, model = 'echo') {
  const response = await platform.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { authorization: `Bearer ${key}` },
    payload: { model, messages: [{ role: 'user', content: 'hi' }] },
  })
  return { status: response.statusCode, body: response.json() as Record<string, unknown> }
}
