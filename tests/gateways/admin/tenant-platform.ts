import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HTTPMethods } from 'fastify'
import { v7 } from 'uuid'
import type { Subject } from '../../../domain/authorization/subject.ts'
import { adminRoutes } from '../../../gateways/admin/routes.ts'
import { analyticsRoutes } from '../../../gateways/analytics/routes.ts'
import { denialBudget } from '../../../gateways/http/denial-budget.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { mountIssuer } from '../../../gateways/oauth2/mount.ts'
import { projectionWaiter } from '../../../gateways/processes/wiring.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import { createLocalObjectStore } from '../../../infra/local/object-store.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import { memoryStore } from '../../../infra/oidc/memory-store.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { readModelsProjection } from '../../../projections/read-models.ts'
import { asSubject, takeTestSubjects } from './authz-app.ts'
import { type Ids, MODEL, type Variant } from './tenant-fixtures.ts'

// The issuer, the admin API and the analytics API on one app, wired as `aiaas dev` wires them,
// called through app.inject: the tenant matrix's platform. Every route the app registers is kept
// (fastify's onRoute), so the matrix enumerates what is really served. The bound on AccessDenied
// events is lifted: the matrix checks that every denial is recorded, hundreds per actor.

// The export routes' store: never written in the matrix (no worker runs), so any directory does.
const matrixObjectStore = () =>
  createLocalObjectStore({
    dir: join(tmpdir(), 'tenant-matrix-objects'),
    signingKey: 'tenant-matrix-signing-key-0123456789',
  })

export const TENANT_ADMIN_TOKEN = 'tenant-matrix-admin-token-0123456789'

export interface Answer {
  status: number
  body: Record<string, unknown> | null
  text: string
  requestId: string
  /** The path, query and body sent: what the caller already knows. */
  sent: string
}

export type TenantPlatform = Awaited<ReturnType<typeof startTenantPlatform>>

/** The headers a caller sends: its bearer token, and for a person its subject (below). */
export type CallerHeaders = Readonly<Record<string, string>>

/** A person's headers: the admin token to pass authentication, then the person as the subject. */
export const asPerson = (subject: Subject): CallerHeaders => asSubject(TENANT_ADMIN_TOKEN, subject)
const ISSUER_HOST = 'issuer.test'

export async function startTenantPlatform(db: Database) {
  const store = createEventStore(db)
  // Polls as the processes' projector does (see admin-app.ts).
  const projector = startSubscription(db, store, readModelsProjection, { idleMs: 50 })
  const waiter = projectionWaiter(db, () => projector.wake())
  const secrets = createSecretBox(db, parseKeyring(newKeyringText('k1')))
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('tenant-matrix-test') })
  // A person's subject, named in a test-only header and put on the request after authentication
  // (as in authz-app.ts): people's tokens need the browser sign-in flow.
  const routes = takeTestSubjects(app)
  const unbounded = { perWindow: Number.MAX_SAFE_INTEGER, windowMs: 60_000, maxActors: 100 }
  const issuer = `http://${ISSUER_HOST}/oauth2`
  const verifyAccessToken = await mountIssuer(app, { db, secrets, store: memoryStore() }, issuer)
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    commands: { store, now: () => new Date(), newId: v7 },
    readModels: db,
    adminToken: TENANT_ADMIN_TOKEN,
    awaitProjection: waiter,
    readiness: [],
    secrets,
    verifyAccessToken,
    denialBudget: denialBudget(unbounded),
  })
  await app.register(analyticsRoutes, {
    prefix: '/analytics/v1',
    db,
    ledger: createMemorySpendLedger(),
    adminToken: TENANT_ADMIN_TOKEN,
    now: () => new Date(),
    readiness: [],
    verifyAccessToken,
    denialBudget: denialBudget(unbounded),
    exports: { store: matrixObjectStore(), urlTtlSeconds: 300 },
  })
  await app.ready()

  /** An access token of a service account, by client_credentials at the issuer's token endpoint. */
  async function token(clientId: string, clientSecret: string): Promise<string> {
    const response = await app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: {
        host: ISSUER_HOST,
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    })
    const body = response.json()
    if (response.statusCode !== 200 || typeof body.access_token !== 'string')
      throw new Error(`no token: ${response.statusCode} ${response.body}`)
    return body.access_token
  }

  /** `route` (`METHOD /path/:param`) sent with `ids` in its path, query and body, as `caller`. */
  async function send(route: string, variant: Variant, ids: Ids, caller: CallerHeaders): Promise<Answer> {
    const [method = '', pattern = ''] = route.split(' ')
    const values: Record<string, string> = { ...ids, name: MODEL }
    const path = pattern.replace(/:([a-z_]+)/g, (_, name: string) => values[name] ?? `unknown-${name}`)
    const query = variant.query ? `?${new URLSearchParams(variant.query(ids))}` : ''
    const payload = variant.body?.(ids)
    const response = await app.inject({
      method: method as HTTPMethods,
      url: `${path}${query}`,
      headers: { ...caller },
      ...(payload ? { payload } : {}),
    })
    // The audit export answers NDJSON or CSV: only a JSON answer is parsed (its text is still checked).
    const isJson =
      /json/.test(String(response.headers['content-type'])) &&
      !/ndjson/.test(String(response.headers['content-type']))
    const json: unknown = response.body === '' || !isJson ? null : JSON.parse(response.body)
    return {
      status: response.statusCode,
      body: typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : null,
      text: response.body,
      requestId: String(response.headers['x-request-id']),
      sent: `${path}${query} ${JSON.stringify(payload ?? null)}`,
    }
  }

  /** A call with the bootstrap admin token that must succeed: the tests' own setup and reads. */
  async function asAdmin(method: HTTPMethods, url: string, payload?: object) {
    const headers = { authorization: `Bearer ${TENANT_ADMIN_TOKEN}` }
    const response = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) })
    if (response.statusCode >= 300)
      throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`)
    return response.json()
  }

  return {
    app,
    store,
    routes,
    token,
    send,
    asAdmin,
    async close() {
      await app.close()
      await projector.stop()
    },
  }
}
