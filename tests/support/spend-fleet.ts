import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { periodOf } from '../../domain/budgets/period.ts'
import { loadConfig } from '../../infra/config/config.ts'
import { createRedisSpendLedger } from '../../infra/redis/spend-ledger.ts'
import { type GatedBackend, startGatedBackend } from './gated-backend.ts'
import { call, type Json } from './json-http.ts'
import { eventually, freePort, type Proc, startAiaas, waitForHttp } from './processes.ts'
import { deleteUsageQueues } from './rabbitmq.ts'
import { deleteKeys } from './redis.ts'
import { type SeparatePlatform, startSeparatePlatform } from './separate-platform.ts'

// The platform as production runs it (identity, projector, ingest and analytics processes on
// PostgreSQL, RabbitMQ and Redis) and `aiaas router` processes a test starts, kills and restarts
// on their own data directories, all calling one catalogue model on a gated backend. The model is
// priced so every request costs exactly its worst case: the request below holds 10 input tokens
// (2 bytes of text + 8 per message) and 2 output tokens (max_tokens), and the backend reports
// 10 + 2; at 1000 USD per million tokens, 0.012 USD.

export const MODEL_PRICE_PER_MTOK = '1000'
/** What one request costs, and holds at admission, in micro-USD and in tokens. */
export const REQUEST_MICROS = 12_000
export const REQUEST_TOKENS = 12
/** USD as the admin API takes it, for `n` requests' worth. */
export const usdOf = (requests: number) => ((requests * REQUEST_MICROS) / 1e6).toFixed(6)

export interface Router {
  label: string
  url: string
  proc: Proc
}

export interface Tenant {
  organizationId: string
  keyId: string
  key: string
}

export interface Answer {
  status: number
  code: string | null
  retryAfter: string | null
}

export interface SpendFleet {
  platform: SeparatePlatform
  backend: GatedBackend
  model: string
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>
  /** Starts (or restarts, on the same data directory) the router `label`; resolves once it answers. */
  startRouter(label: string, env?: Record<string, string>): Promise<Router>
  /** SIGKILL, as a crashed replica: no drain, nothing flushed. */
  kill(router: Router): Promise<void>
  /** A new organization and a key with the given limits, known to every router given. */
  tenant(routers: readonly Router[], limits?: { rpm_limit?: number; tpm_limit?: number }): Promise<Tenant>
  /** One chat completion; `stream` reads the whole event stream. */
  /** Waits until each router knows the key and the model. */
  knows(routers: readonly Router[], key: string): Promise<void>
  chat(router: Router, key: string, options?: { stream?: boolean }): Promise<Answer>
  /** The organization's cost recorded by analytics, in micro-USD, once it reached `atLeast`. */
  recordedMicros(organizationId: string, atLeast: number): Promise<number>
  /** The organization's `total` spend counter on the ledger (Redis), in micro-USD. */
  ledgerMicros(organizationId: string): Promise<{ spent: number; reserved: number; seeded: boolean }>
  /** Deletes every ledger key of the organization: the ledger's state for it, as after a flush. */
  forgetLedger(organizationId: string): Promise<void>
  stop(): Promise<void>
}

const SPEND_PREFIX = 'aiaas:spend:'

export async function startSpendFleet(name: string): Promise<SpendFleet> {
  const queue = `aiaas.usage.${name}.${randomBytes(4).toString('hex')}`
  const model = `priced-${randomBytes(4).toString('hex')}`
  const redisUrl = loadConfig().AIAAS_REDIS_URL
  const backend = await startGatedBackend()
  const platform = await startSeparatePlatform({
    name,
    commands: ['projector', 'ingest', 'analytics', 'identity'],
    env: {
      AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback',
      AIAAS_USAGE_QUEUE: queue,
      // Only the routers' own seeding may rebuild a counter the tests made the ledger forget:
      // the projector's reconciliation runs at its start, then not again within a test.
      AIAAS_BUDGET_RECONCILE_INTERVAL_MS: String(24 * 3_600_000),
    },
  })
  const dataRoot = await mkdtemp(join(tmpdir(), `aiaas-${name}-`))
  const ledger = createRedisSpendLedger(redisUrl)
  const routers: Proc[] = []
  const admin = (method: string, path: string, body?: unknown) =>
    call(platform.url('identity'), platform.adminToken, method, `/admin/v1${path}`, body)
  const created = await admin('POST', '/models', {
    name: model,
    input_price_per_million_usd: MODEL_PRICE_PER_MTOK,
    output_price_per_million_usd: MODEL_PRICE_PER_MTOK,
    max_output_tokens: 16,
    backends: [
      { url: backend.url, provider: 'openai-compatible', weight: 1, priority: 0, timeout_ms: 60_000 },
    ],
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)

  const fleet: SpendFleet = {
    platform,
    backend,
    model,
    admin,
    async startRouter(label, env = {}) {
      const port = await freePort()
      const proc = startAiaas('router', {
        AIAAS_DATABASE_URL: platform.databaseUrl,
        AIAAS_ADMIN_TOKEN: platform.adminToken,
        AIAAS_USAGE_QUEUE: queue,
        AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback',
        AIAAS_DATA_DIR: join(dataRoot, label),
        PORT: String(port),
        ...env,
      })
      routers.push(proc)
      const url = `http://127.0.0.1:${port}`
      await waitForHttp(`${url}/v1/status/healthz`, proc, 60_000)
      return { label, url, proc }
    },
    async kill(router) {
      if (router.proc.child.exitCode !== null || router.proc.child.signalCode !== null) return
      const exited = once(router.proc.child, 'exit')
      router.proc.child.kill('SIGKILL')
      await exited
    },
    tenant: (live, limits = {}) => newTenant(fleet, live, limits),
    knows: (live, key) => knows(live, key, model),
    chat: (router, key, options = {}) => chat(router, key, model, options.stream === true),
    recordedMicros: (organizationId, atLeast) => recordedMicros(platform, organizationId, atLeast),
    async ledgerMicros(organizationId) {
      const total = periodOf('total', 'UTC', new Date())
      const counter = { api_key_id: null, period: 'total' as const, label: total.label, ttl_ms: total.ttlMs }
      const [state] = await ledger.counters(organizationId, [counter])
      if (state === undefined) throw new Error('the ledger answered no counter')
      const micros = (nanos: number) => nanos / 1000
      return {
        spent: micros(state.spent_nanos),
        reserved: micros(state.reserved_nanos),
        seeded: state.seeded,
      }
    },
    forgetLedger: (organizationId) => deleteKeys(redisUrl, `${SPEND_PREFIX}{${organizationId}}`),
    async stop() {
      await Promise.all(routers.map((router) => router.stop()))
      await ledger.close()
      await backend.stop()
      await platform.stop()
      await deleteUsageQueues(queue)
      await rm(dataRoot, { recursive: true, force: true })
    },
  }
  return fleet
}

async function newTenant(
  fleet: SpendFleet,
  live: readonly Router[],
  limits: { rpm_limit?: number; tpm_limit?: number },
): Promise<Tenant> {
  const org = await fleet.admin('POST', '/organizations', { name: 'Spender' })
  expect(org.status).toBe(201)
  const organizationId = String(org.body.id)
  const issued = await fleet.admin('POST', '/api-keys', {
    organization_id: organizationId,
    name: 'spend',
    ...limits,
  })
  expect(issued.status, JSON.stringify(issued.body)).toBe(201)
  const tenant = { organizationId, keyId: String(issued.body.id), key: String(issued.body.key) }
  await knows(live, tenant.key, fleet.model)
  return tenant
}

/** GET /v1/models weighs on no limit: each router knows the key and the model before a test. */
async function knows(live: readonly Router[], key: string, model: string) {
  for (const router of live) {
    await eventually(
      async () => {
        const response = await fetch(`${router.url}/v1/models`, {
          headers: { authorization: `Bearer ${key}` },
        })
        return response.ok
          ? ((await response.json()) as { data: { id: string }[] }).data.map((m) => m.id)
          : []
      },
      (ids) => ids.includes(model),
      60_000,
    )
  }
}

async function chat(router: Router, key: string, model: string, stream: boolean): Promise<Answer> {
  const response = await fetch(`${router.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, stream, max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }),
  })
  const text = await response.text()
  if (response.ok && stream) expect(text.trim().endsWith('data: [DONE]')).toBe(true)
  const body = (response.ok ? {} : JSON.parse(text)) as { error?: { code?: string } }
  return {
    status: response.status,
    code: body.error?.code ?? null,
    retryAfter: response.headers.get('retry-after'),
  }
}

interface UsageRows {
  /** cost_usd: an exact decimal string. */
  data: { requests: number; cost_usd: string }[]
}

async function recordedMicros(platform: SeparatePlatform, organizationId: string, atLeast: number) {
  const from = new Date(Date.now() - 2 * 3_600_000).toISOString()
  const to = new Date(Date.now() + 3_600_000).toISOString()
  const path = `/analytics/v1/usage?organization_id=${organizationId}&from=${from}&to=${to}&granularity=hour`
  const read = async () => {
    const usage = await call(platform.url('analytics'), platform.adminToken, 'GET', path)
    expect(usage.status).toBe(200)
    const rows = (usage.body as unknown as UsageRows).data
    return Math.round(rows.reduce((sum, row) => sum + Number(row.cost_usd), 0) * 1e6)
  }
  return eventually(read, (micros) => micros >= atLeast, 60_000)
}
