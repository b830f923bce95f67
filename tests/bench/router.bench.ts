import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'amqplib'
import { Pool } from 'undici'
import { v7 } from 'uuid'
import { issueApiKey } from '../../commands/api-keys/issue-api-key.ts'
import { createOrganization } from '../../commands/organizations/create-organization.ts'
import { setMonthlyBudget } from '../../commands/organizations/set-monthly-budget.ts'
import type { Config } from '../../infra/config/config.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { startSubscription } from '../../infra/event-store/subscription.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { readModelsProjection } from '../../projections/read-models.ts'
import { freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { compare, type LoadOptions, type Measurement, runLoad, runPaired } from './measure.ts'

// What the router adds to a chat completion: `aiaas router` (its own process, on the real
// PostgreSQL, Redis and RabbitMQ) in front of `aiaas mock-model`, against the same mock called
// directly, in the same run. Overhead per request = key lookup (cached), one Redis round trip for
// the limit (two more with a budget: reserve, settle), the proxy hop, and a usage event published
// with a broker confirm off the response path.
const CONTEXT = { actor: 'bench', correlation_id: v7(), causation_id: null, source: 'bench' }
const BODY = JSON.stringify({
  model: 'echo',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hello there' }],
})

export async function provision(databaseUrl: string) {
  const db = createPostgresDatabase(databaseUrl)
  await migrate(db)
  const store = createEventStore(db)
  const deps = { store, now: () => new Date(), newId: v7 }
  const org = await createOrganization(deps, { name: 'bench' }, CONTEXT)
  const budgeted = await createOrganization(deps, { name: 'bench-budget' }, CONTEXT)
  await setMonthlyBudget(
    deps,
    { organization_id: budgeted.organization_id, monthly_limit_usd: 1_000_000 },
    CONTEXT,
  )
  const plainKey = await issueApiKey(deps, { organization_id: org.organization_id, name: 'bench' }, CONTEXT)
  const budgetKey = await issueApiKey(
    deps,
    { organization_id: budgeted.organization_id, name: 'bench' },
    CONTEXT,
  )
  const projector = startSubscription(db, store, readModelsProjection)
  await projector.catchUp()
  await projector.stop()
  await db.close()
  return { plain: plainKey.key, budgeted: budgetKey.key }
}

function load(name: string, pool: Pool, path: string, key: string | null, total: number): LoadOptions {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key) headers.authorization = `Bearer ${key}`
  return {
    name,
    writers: 8,
    total,
    timeLimitMs: 30_000,
    op: async () => {
      const response = await pool.request({ method: 'POST', path, headers, body: BODY })
      await response.body.dump()
      if (response.statusCode !== 200) throw new Error(`${name}: HTTP ${response.statusCode}`)
    },
  }
}

export async function routerBench(config: Config, total = 4000): Promise<Measurement[]> {
  const suffix = randomBytes(4).toString('hex')
  const database = `aiaas_bench_${suffix}`
  const queue = `aiaas.usage.bench.${suffix}`
  const admin = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  await admin.query(`CREATE DATABASE ${database}`)
  const databaseUrl = Object.assign(new URL(config.AIAAS_DATABASE_URL), {
    pathname: `/${database}`,
  }).toString()
  const dataDir = await mkdtemp(join(tmpdir(), 'aiaas-bench-'))
  const procs: Proc[] = []
  const pools: Pool[] = []
  try {
    const keys = await provision(databaseUrl)
    const [routerPort, mockPort] = [await freePort(), await freePort()]
    const env = {
      AIAAS_DATABASE_URL: databaseUrl,
      AIAAS_USAGE_QUEUE: queue,
      AIAAS_DATA_DIR: dataDir,
      AIAAS_DEFAULT_KEY_RPM: '100000000',
      PORT: String(routerPort),
      AIAAS_MOCK_MODEL_PORT: String(mockPort),
      AIAAS_LOG_LEVEL: 'warn',
    }
    const mock = startAiaas('mock-model', env)
    const router = startAiaas('router', env)
    procs.push(mock, router)
    await waitForHttp(`http://127.0.0.1:${mockPort}/v1/models`, mock)
    await waitForHttp(`http://127.0.0.1:${routerPort}/v1/status/healthz`, router)
    const direct = new Pool(`http://127.0.0.1:${mockPort}`, { connections: 8 })
    const viaRouter = new Pool(`http://127.0.0.1:${routerPort}`, { connections: 8 })
    pools.push(direct, viaRouter)

    const routed = (name: string, key: string, n: number) =>
      load(name, viaRouter, '/v1/chat/completions', key, n)
    const straight = (name: string, n: number) => load(name, direct, '/v1/chat/completions', null, n)
    await runPaired(2, routed('warm-up router', keys.budgeted, 400), straight('warm-up direct', 400))
    const [router1, baseline] = await runPaired(
      6,
      routed('via router', keys.plain, total),
      straight('mock model directly', total),
    )
    const budget = await runLoad(routed('via router, with a budget (reserve + settle)', keys.budgeted, total))
    return [baseline, router1, compare(budget, baseline)]
  } finally {
    await Promise.all(pools.map((pool) => pool.close()))
    await Promise.all(procs.map((proc) => proc.stop()))
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await admin.close()
    await rm(dataDir, { recursive: true, force: true })
    const amqp = await connect(config.AIAAS_AMQP_URL)
    const channel = await amqp.createChannel()
    await channel.deleteQueue(queue)
    await channel.deleteQueue(`${queue}.dlq`)
    await amqp.close()
  }
}
