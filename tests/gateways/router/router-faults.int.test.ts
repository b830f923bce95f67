import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { newKeySecret } from '../../../domain/api-keys/key-secret.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { createRuntime } from '../../../gateways/processes/runtime.ts'
import { spendLedgerCheck } from '../../../gateways/processes/spend-ledger-wiring.ts'
import { databaseCheck, routerDeps } from '../../../gateways/processes/wiring.ts'
import { createModelCatalog } from '../../../gateways/router/models.ts'
import { routerRoutes } from '../../../gateways/router/routes.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { createSpooledUsagePublisher } from '../../../infra/lmdb/usage-spool.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import type { UsagePublisher } from '../../../infra/ports/usage.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { createRabbitUsagePublisher } from '../../../infra/rabbitmq/usage-bus.ts'
import { createRedisSpendLedger } from '../../../infra/redis/spend-ledger.ts'
import { keyRecord, monthlyBudget } from './key-record.ts'

// The router with one dependency down at a time (real clients pointed at a closed port): each
// fault has the behaviour docs/architecture.md states, answered quickly, never a hang or a 500.
const CLOSED = '127.0.0.1:1'
// Well-formed (checksum included), so the router goes on to look it up.
const KEY = newKeySecret()
const config = loadConfig({ AIAAS_LOG_LEVEL: 'silent' })
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiaas-router-faults-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/**
 * A router whose key lookups go to the read model in `db` (lookupInDb), or find one fixed key of
 * an organization with `budgetUsd` (null: none).
 */
async function router(
  adapters: { db: Database; usage: UsagePublisher; ledger?: SpendLedger },
  lookupInDb: boolean,
  budgetUsd: number | null = null,
) {
  const rt = createRuntime(config, 'router')
  const models = [
    {
      name: 'echo',
      backend_url: 'http://127.0.0.1:1/v1',
      input_usd_per_mtok: 1,
      output_usd_per_mtok: 1,
      max_output_tokens: 4096,
    },
  ]
  const ledger = adapters.ledger ?? createMemorySpendLedger()
  const recorded = { spentNanos: async () => 0 }
  const catalog = createModelCatalog(() => models)
  const deps = routerDeps(rt, { ...adapters, ledger, recorded, models: catalog }, [
    databaseCheck(adapters.db),
    spendLedgerCheck(ledger),
  ])
  if (!lookupInDb) {
    const record = keyRecord({ budgets: monthlyBudget(budgetUsd) })
    deps.authenticate = async () => record
  }
  const app = createServer({ logLevel: 'silent', metrics: rt.metrics })
  await app.register(routerRoutes, { prefix: '/v1', ...deps })
  onTestFinished(() => app.close())
  return app
}

const chat = { model: 'echo', messages: [{ role: 'user', content: 'hi' }] }
const headers = { authorization: `Bearer ${KEY}` }

describe('router faults', () => {
  it('Redis down: 503 budget_ledger_unavailable with Retry-After within a second (fail closed), readyz names the spend ledger', async () => {
    const ledger = createRedisSpendLedger(`redis://${CLOSED}`)
    const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
    const usage = createRabbitUsagePublisher(config.AIAAS_AMQP_URL, 'unused')
    onTestFinished(async () => {
      await Promise.all([ledger.close(), db.close(), usage.close()])
    })
    const app = await router({ db, usage, ledger }, false)
    const started = Date.now()
    const response = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload: chat })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ error: { code: 'budget_ledger_unavailable', type: 'api_error' } })
    expect(response.headers['retry-after']).toBe('1')
    const ready = await app.inject({ url: '/v1/status/readyz' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json()).toMatchObject({
      status: 'not_ready',
      checks: { spend_ledger: { status: 'down' }, database: { status: 'up' } },
    })
  })

  it('Redis down with a budget to enforce: 503 budget_ledger_unavailable (fail closed)', async () => {
    const ledger = createRedisSpendLedger(`redis://${CLOSED}`)
    const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
    const usage = createRabbitUsagePublisher(config.AIAAS_AMQP_URL, 'unused')
    onTestFinished(async () => {
      await Promise.all([ledger.close(), db.close(), usage.close()])
    })
    const app = await router({ db, usage, ledger }, false, 10)
    const response = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload: chat })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ error: { code: 'budget_ledger_unavailable', type: 'api_error' } })
  })

  it('PostgreSQL down: 503 key_store_unavailable for an uncached key, without leaking where', async () => {
    const db = createPostgresDatabase(`postgres://aiaas:aiaas@${CLOSED}/aiaas`, {
      connectionTimeoutMillis: 500,
    })
    const usage = createRabbitUsagePublisher(config.AIAAS_AMQP_URL, 'unused')
    onTestFinished(async () => {
      await Promise.all([db.close(), usage.close()])
    })
    const app = await router({ db, usage }, true)
    const response = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload: chat })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toEqual({
      error: {
        message:
          'This API key cannot be checked now: the router has no copy of it and its key store does not answer; retry shortly',
        type: 'api_error',
        param: null,
        code: 'key_store_unavailable',
      },
    })
    const ready = await app.inject({ url: '/v1/status/readyz' })
    expect(ready.json()).toMatchObject({ checks: { database: { status: 'down' } } })
  })

  it('RabbitMQ down: the request is answered and its usage event waits in the spool', async () => {
    const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
    const usage = createSpooledUsagePublisher(
      createRabbitUsagePublisher(`amqp://guest:guest@${CLOSED}`, 'unused', { publishTimeoutMs: 300 }),
      { path: join(dir, 'spool') },
    )
    onTestFinished(async () => {
      await Promise.all([db.close(), usage.close()])
    })
    const app = await router({ db, usage }, false)
    const response = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload: chat })
    // The backend of this model is down too, which is itself metered as an error event.
    expect(response.statusCode).toBe(502)
    const deadline = Date.now() + 3000
    while (usage.pending() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(usage.pending()).toBe(1)
  })
})
