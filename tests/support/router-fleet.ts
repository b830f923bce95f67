import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { freePort, type Proc, startAiaas, waitForHttp } from './processes.ts'
import { deleteUsageQueues } from './rabbitmq.ts'
import { type SeparatePlatform, startSeparatePlatform } from './separate-platform.ts'
import { createOrgAndKey, json } from './walkthrough.ts'

// Identity and projector as separate processes on a fresh database, and as many `aiaas router`
// processes as a test starts, each on its own data directory, all on one usage queue: for tests
// of what routers do with the catalogue's backends (health shared through Redis, probes).

export interface RouterFleet {
  platform: SeparatePlatform
  /** Starts an `aiaas router` (data directory `label`) and waits until it answers; its base URL. */
  startRouter(label: string): Promise<string>
  /** A catalogue model routed to `backends` (through the admin API), and a key of a new organization. */
  modelWithBackends(name: string, backends: readonly object[]): Promise<{ key: string }>
  stop(): Promise<void>
}

export async function startRouterFleet(name: string): Promise<RouterFleet> {
  const queue = `aiaas.usage.${name}.${randomBytes(4).toString('hex')}`
  const platform = await startSeparatePlatform({
    name,
    commands: ['projector', 'identity'],
    env: { AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback', AIAAS_USAGE_QUEUE: queue },
  })
  const dataRoot = await mkdtemp(join(tmpdir(), `aiaas-${name}-`))
  const routers: Proc[] = []
  return {
    platform,
    async startRouter(label) {
      const port = await freePort()
      const proc = startAiaas('router', {
        AIAAS_DATABASE_URL: platform.databaseUrl,
        AIAAS_ADMIN_TOKEN: platform.adminToken,
        AIAAS_USAGE_QUEUE: queue,
        AIAAS_DATA_DIR: join(dataRoot, label),
        PORT: String(port),
      })
      routers.push(proc)
      const url = `http://127.0.0.1:${port}`
      await waitForHttp(`${url}/v1/status/healthz`, proc)
      return url
    },
    async modelWithBackends(model, backends) {
      const admin = platform.url('identity')
      const { adminToken } = platform
      const { key } = await createOrgAndKey({ admin, router: '', analytics: '', adminToken })
      const created = await fetch(`${admin}/admin/v1/models`, {
        method: 'POST',
        headers: json(adminToken),
        body: JSON.stringify({
          name: model,
          input_price_per_million_usd: '1',
          output_price_per_million_usd: '1',
          max_output_tokens: 1024,
          backends,
        }),
      })
      expect(created.status).toBe(201)
      return { key }
    },
    async stop() {
      await Promise.all(routers.map((router) => router.stop()))
      await platform.stop()
      await deleteUsageQueues(queue)
      await rm(dataRoot, { recursive: true, force: true })
    },
  }
}

/** A router's `aiaas_router_backend_state` for one backend (`'2'`: open), from its /metrics. */
export async function backendState(router: string, backendUrl: string): Promise<string | null> {
  const text = await (await fetch(`${router}/metrics`)).text()
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`aiaas_router_backend_state{backend="${backendUrl}"`))
  return line?.split(' ').at(-1) ?? null
}
