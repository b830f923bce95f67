import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { v7 } from 'uuid'
import { issueApiKey } from '../../../commands/api-keys/issue-api-key.ts'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { setMonthlyBudget } from '../../../commands/organizations/set-monthly-budget.ts'
import type { Config } from '../../../infra/config/config.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { readModelsProjection } from '../../../projections/read-models.ts'
import { freePort } from '../../support/ports.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { emptyRedisDatabase, type OwnRedis } from '../../support/redis-database.ts'
import { COMPLETION_BODY, type Context, type PeerSpec, type Running } from './peers.ts'
import { answers, type Peer, startProcess, waitReady } from './procs.ts'

// The two AIaaS peers of `make bench-peers`. Nothing is switched off: logs at info, metrics, key
// auth, limits and usage events as a deployment runs them; the `echo` model's backend is the mock.

/** An RPM limit no run reaches, so it is checked on every request and never refuses one. */
const NEVER_REACHED_RPM = 100_000_000

const CONTEXT = { actor: 'bench', correlation_id: v7(), causation_id: null, source: 'bench' }

function aiaas(context: Context, command: string, env: Record<string, string>, log: string): Peer {
  return startProcess(
    `aiaas ${command}`,
    process.execPath,
    [join(context.root, 'gateways/cli/aiaas.ts'), command],
    {
      cwd: context.root,
      env: {
        AIAAS_LOG_LEVEL: 'info',
        AIAAS_MOCK_BACKEND_URL: `${context.mock}/v1`,
        AIAAS_DEFAULT_KEY_RPM: String(NEVER_REACHED_RPM),
        ...env,
      },
      log: join(context.workDir, log),
    },
  )
}

const target = (base: string, key: string) => ({
  url: `${base}/v1/chat/completions`,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  body: COMPLETION_BODY,
})

/** Until the router answers a completion with this key (it learns new keys from its change feed). */
async function keyServed(proc: Peer, base: string, key: string): Promise<void> {
  const { url, headers, body } = target(base, key)
  await waitReady(
    proc,
    async () => {
      const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(2000) })
      await response.body?.cancel()
      return response.ok
    },
    60_000,
  )
}

async function postJson(url: string, token: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })
  const answer: unknown = await response.json()
  if (!response.ok || typeof answer !== 'object' || answer === null)
    throw new Error(`${url}: HTTP ${response.status} ${JSON.stringify(answer)}`)
  return Object.fromEntries(Object.entries(answer))
}

/** `aiaas dev`: everything in one process on embedded adapters; a key issued over the admin API, no budget. */
export const embedded: PeerSpec = {
  id: 'aiaas-embedded',
  label: 'AIaaS embedded (aiaas dev)',
  needs: null,
  async start(context): Promise<Running> {
    const port = await freePort()
    const adminToken = `bench-${randomBytes(16).toString('hex')}`
    const dataDir = join(context.workDir, 'embedded-data')
    await mkdir(dataDir, { recursive: true })
    const proc = aiaas(
      context,
      'dev',
      { PORT: String(port), AIAAS_DATA_DIR: dataDir, AIAAS_ADMIN_TOKEN: adminToken },
      'aiaas-dev.log',
    )
    const base = `http://127.0.0.1:${port}`
    try {
      await waitReady(proc, () => answers(`${base}/v1/status/healthz`), 120_000)
      const org = await postJson(`${base}/admin/v1/organizations`, adminToken, { name: 'bench-peers' })
      const issued = await postJson(`${base}/admin/v1/api-keys`, adminToken, {
        organization_id: org.id,
        name: 'bench',
      })
      if (typeof issued.key !== 'string') throw new Error('the admin API issued no key')
      await keyServed(proc, base, issued.key)
      return { target: target(base, issued.key), streams: true, procs: [proc] }
    } catch (error) {
      await proc.stop()
      throw error
    }
  },
}

/** A fresh database: an organization with a monthly budget, a key with an RPM limit, read models projected. */
async function provision(databaseUrl: string): Promise<string> {
  const db = createPostgresDatabase(databaseUrl)
  try {
    await migrate(db)
    const store = createEventStore(db)
    const deps = { store, now: () => new Date(), newId: v7 }
    const org = await createOrganization(deps, { name: 'bench-peers' }, CONTEXT)
    const { organization_id } = org
    await setMonthlyBudget(deps, { organization_id, monthly_limit_usd: 1_000_000 }, CONTEXT)
    const issued = await issueApiKey(
      deps,
      { organization_id, name: 'bench', rpm_limit: NEVER_REACHED_RPM },
      CONTEXT,
    )
    const projector = startSubscription(db, store, readModelsProjection)
    await projector.catchUp()
    await projector.stop()
    return issued.key
  } finally {
    await db.close()
  }
}

/**
 * `aiaas router` on the real PostgreSQL, Redis and RabbitMQ, as tests/bench/router.bench.ts runs it,
 * with a database and a usage queue of its own and a Redis database of its own (tests/support/redis-database.ts).
 */
export function production(config: Config): PeerSpec {
  return {
    id: 'aiaas-production',
    label: 'AIaaS production (aiaas router)',
    needs: null,
    async start(context): Promise<Running> {
      const suffix = randomBytes(4).toString('hex')
      const database = `aiaas_bench_peers_${suffix}`
      const queue = `aiaas.usage.bench.peers.${suffix}`
      const server = createPostgresDatabase(config.AIAAS_DATABASE_URL)
      await server.query(`CREATE DATABASE ${database}`)
      const url = Object.assign(new URL(config.AIAAS_DATABASE_URL), { pathname: `/${database}` }).toString()
      let proc: Peer | null = null
      let redis: OwnRedis | null = null
      const close = async () => {
        await proc?.stop()
        await redis?.release()
        await server.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
        await server.close()
        await deleteUsageQueues(queue)
      }
      try {
        redis = await emptyRedisDatabase(config.AIAAS_REDIS_URL)
        const key = await provision(url)
        const port = await freePort()
        const dataDir = join(context.workDir, 'router-data')
        await mkdir(dataDir, { recursive: true })
        const env = {
          AIAAS_DATABASE_URL: url,
          AIAAS_USAGE_QUEUE: queue,
          AIAAS_DATA_DIR: dataDir,
          PORT: String(port),
        }
        proc = aiaas(context, 'router', env, 'aiaas-router.log')
        const base = `http://127.0.0.1:${port}`
        await waitReady(proc, () => answers(`${base}/v1/status/healthz`), 60_000)
        await keyServed(proc, base, key)
        return { target: target(base, key), streams: true, procs: [proc], close }
      } catch (error) {
        await close()
        throw error
      }
    },
  }
}
