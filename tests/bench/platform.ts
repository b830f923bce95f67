import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../../infra/config/config.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'

// The identity side as production runs it, for the admin and propagation benchmarks: a throwaway
// database on the real PostgreSQL, `aiaas projector` and `aiaas identity` as their own processes,
// and `routers` router processes (each with its own data dir and LMDB copy). Loopback only.

export interface BenchPlatform {
  /** http://127.0.0.1:<port>/admin/v1 */
  admin: string
  adminToken: string
  /** http://127.0.0.1:<port>/v1 of each router. */
  routers: string[]
  close(): Promise<void>
}

export async function startBenchPlatform(config: Config, routers: number): Promise<BenchPlatform> {
  const suffix = randomBytes(4).toString('hex')
  const database = `aiaas_bench_${suffix}`
  const server = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  await server.query(`CREATE DATABASE ${database}`)
  const url = Object.assign(new URL(config.AIAAS_DATABASE_URL), { pathname: `/${database}` }).toString()
  const dataDir = await mkdtemp(join(tmpdir(), 'aiaas-bench-'))
  const usageQueue = `aiaas.usage.bench.${suffix}`
  const procs: Proc[] = []
  const close = async () => {
    await Promise.all(procs.map((proc) => proc.stop()))
    await server.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await server.close()
    await rm(dataDir, { recursive: true, force: true })
    if (routers > 0) await deleteUsageQueues(usageQueue)
  }
  try {
    const db = createPostgresDatabase(url)
    await migrate(db)
    await db.close()
    const [identity = 0, metrics = 0, noBackend = 0] = await Promise.all([1, 2, 3].map(() => freePort()))
    const env = {
      AIAAS_DATABASE_URL: url,
      AIAAS_ADMIN_TOKEN: `bench-${randomBytes(12).toString('hex')}`,
      AIAAS_USAGE_QUEUE: usageQueue,
      AIAAS_IDENTITY_PORT: String(identity),
      AIAAS_METRICS_PORT: String(metrics),
      // No completion is sent: the echo model's port has nothing listening.
      AIAAS_MOCK_MODEL_PORT: String(noBackend),
      AIAAS_LOG_LEVEL: 'warn',
    }
    const start = (command: string, name: string, extra: Record<string, string> = {}) => {
      const proc = startAiaas(command, { ...env, AIAAS_DATA_DIR: join(dataDir, name), ...extra })
      procs.push(proc)
      return proc
    }
    const routerPorts = await Promise.all(Array.from({ length: routers }, () => freePort()))
    await Promise.all([
      waitForHttp(`http://127.0.0.1:${metrics}/metrics`, start('projector', 'projector')),
      waitForHttp(`http://127.0.0.1:${identity}/admin/v1/status/healthz`, start('identity', 'identity')),
      ...routerPorts.map((port, i) =>
        waitForHttp(
          `http://127.0.0.1:${port}/v1/status/healthz`,
          start('router', `router-${i}`, { PORT: String(port) }),
        ),
      ),
    ])
    return {
      admin: `http://127.0.0.1:${identity}/admin/v1`,
      adminToken: env.AIAAS_ADMIN_TOKEN,
      routers: routerPorts.map((port) => `http://127.0.0.1:${port}/v1`),
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}
