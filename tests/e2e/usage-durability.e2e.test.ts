import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../infra/config/config.ts'
import { eventually, freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../support/separate-platform.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts'
import { createOrgAndKey } from '../support/walkthrough.ts'

// Issue 8: every request that got a 2xx has exactly one usage row, through a RabbitMQ outage and
// router SIGTERMs mid-load. Two router processes reach RabbitMQ through a TCP proxy the test stops
// and resumes (the shared broker itself keeps running); ingest reads the broker directly. Request i
// carries a prompt of 4·i characters, so the echo model bills it i input tokens and each usage row
// names its request. Router A is SIGTERMed while the broker is down (its events wait in its spool)
// and replaced by A', on the same data directory, as a replica with a persistent volume would be;
// router B is SIGTERMed with the broker up, publishes in flight, and replaced too.

/** 2xx responses between two steps of the scenario. */
const STEP = 300
/** The load's bound: a scenario that needs more fails. Request i's prompt is 4·i characters. */
const MAX_REQUESTS = 8000
const CONCURRENCY = 12

interface Router {
  proc: Proc
  url: string
  dataDir: string
}

describe('usage is never lost: a RabbitMQ outage and SIGTERMed routers under load', () => {
  const queue = `aiaas.usage.durability.${randomBytes(4).toString('hex')}`
  let platform: SeparatePlatform
  let proxy: TcpProxy
  let dataRoot: string
  const routers: Proc[] = []

  beforeAll(async () => {
    const shared = { AIAAS_USAGE_QUEUE: queue, AIAAS_DEFAULT_KEY_RPM: '1000000' }
    platform = await startSeparatePlatform({
      name: 'durability',
      commands: ['projector', 'ingest', 'mock-model', 'identity'],
      env: shared,
    })
    const amqp = new URL(loadConfig().AIAAS_AMQP_URL)
    proxy = await startTcpProxy(amqp.hostname, Number(amqp.port || 5672))
    dataRoot = await mkdtemp(join(tmpdir(), 'aiaas-durability-'))
  })

  afterAll(async () => {
    await Promise.all(routers.map((r) => r.stop()))
    await proxy?.stop().catch(() => {})
    await platform?.stop()
    await deleteUsageQueues(queue)
    if (dataRoot) await rm(dataRoot, { recursive: true, force: true })
  })

  async function startRouter(dataDir: string): Promise<Router> {
    const port = await freePort()
    const amqp = new URL(loadConfig().AIAAS_AMQP_URL)
    amqp.port = String(proxy.port)
    const proc = startAiaas('router', {
      AIAAS_DATABASE_URL: platform.databaseUrl,
      AIAAS_ADMIN_TOKEN: platform.adminToken,
      AIAAS_MOCK_MODEL_PORT: new URL(platform.url('mock-model')).port,
      AIAAS_USAGE_QUEUE: queue,
      AIAAS_DEFAULT_KEY_RPM: '1000000',
      AIAAS_AMQP_URL: amqp.toString(),
      AIAAS_DATA_DIR: dataDir,
      PORT: String(port),
    })
    routers.push(proc)
    const url = `http://127.0.0.1:${port}`
    await waitForHttp(`${url}/v1/status/healthz`, proc)
    return { proc, url, dataDir }
  }

  it('bills every 2xx exactly once', async () => {
    const identity = platform.url('identity')
    const { organizationId, key } = await createOrgAndKey({
      admin: identity,
      router: '',
      analytics: '',
      adminToken: platform.adminToken,
    })
    const live: Router[] = [await startRouter(join(dataRoot, 'a')), await startRouter(join(dataRoot, 'b'))]
    const terminating = new Set<Router>()
    const leave = (router: Router) => {
      const index = live.indexOf(router)
      if (index >= 0) live.splice(index, 1)
    }
    const ok = new Set<number>()
    const failed = new Map<number, string>()
    let next = 1
    const send = async (router: Router) => {
      const i = next++
      try {
        const response = await fetch(`${router.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'x'.repeat(4 * i) }] }),
        })
        await response.arrayBuffer()
        if (response.ok) ok.add(i)
        else failed.set(i, `HTTP ${response.status}`)
      } catch (error) {
        failed.set(i, String(error))
      }
      // A router being stopped answers 503 or refuses the connection: the load leaves it then, as
      // a load balancer would, so requests reach it until the last moment.
      if (!ok.has(i) && terminating.has(router)) leave(router)
    }
    // Both routers know the key before the load starts (the change feed brings it).
    for (const router of live) {
      await eventually(
        async () => {
          await send(router)
          return ok.size
        },
        () => ok.has(next - 1),
      )
    }

    // The load runs until the scenario is over, bounded in count; each step waits for more 2xx.
    let running = true
    const load = async () => {
      while (running && next <= MAX_REQUESTS) {
        const router = live[next % live.length]
        if (router === undefined) throw new Error('no router left to send to')
        await send(router)
      }
    }
    const loaders = Array.from({ length: CONCURRENCY }, load)
    const more = async (count: number) => {
      const target = ok.size + count
      await eventually(
        async () => ok.size,
        (n) => n >= target || next > MAX_REQUESTS,
        120_000,
      )
      if (next > MAX_REQUESTS) throw new Error(`the scenario outran ${MAX_REQUESTS} requests`)
    }
    const terminate = async (router: Router) => {
      terminating.add(router)
      const exited = once(router.proc.child, 'exit')
      router.proc.child.kill('SIGTERM')
      const [code] = await exited
      leave(router)
      return code as number | null
    }

    await more(STEP)
    await proxy.stop()
    await more(STEP)
    // Router A, broker down, mid-load: its events since the outage wait in its spool when it exits.
    const a = live[0] as Router
    expect(await terminate(a)).toBe(0)
    await more(STEP)
    await proxy.resume()
    live.push(await startRouter(a.dataDir))
    await more(STEP)
    // Router B, broker up, mid-load: publishes awaiting their confirm when the signal lands.
    const b = live[0] as Router
    expect(b.dataDir).toBe(join(dataRoot, 'b'))
    expect(await terminate(b)).toBe(0)
    live.push(await startRouter(b.dataDir))
    await more(STEP)
    running = false
    await Promise.all(loaders)

    const db = new pg.Client({ connectionString: platform.databaseUrl })
    await db.connect()
    try {
      const rows = await eventually(
        async () =>
          (
            await db.query<{ input_tokens: number; n: string }>(
              'SELECT input_tokens, count(*) AS n FROM usage_raw WHERE organization_id = $1 GROUP BY input_tokens',
              [organizationId],
            )
          ).rows,
        (rows) => {
          const seen = new Set(rows.map((row) => row.input_tokens))
          return [...ok].every((i) => seen.has(i))
        },
        60_000,
      )
      const billed = new Map(rows.map((row) => [row.input_tokens, Number(row.n)]))
      const missing = [...ok].filter((i) => !billed.has(i))
      const twice = [...billed].filter(([, n]) => n > 1).map(([i]) => i)
      const unknown = [...billed.keys()].filter((i) => !ok.has(i) && !failed.has(i))
      expect({ missing, twice, unknown }).toEqual({ missing: [], twice: [], unknown: [] })
      // Requests were refused only by a router being stopped, and the load went on around it.
      expect(ok.size).toBeGreaterThanOrEqual(5 * STEP)
    } finally {
      await db.end()
    }
  }, 300_000)
})
