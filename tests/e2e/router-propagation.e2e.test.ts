import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runMigrate } from '../../gateways/processes/workers.ts'
import { loadConfig } from '../../infra/config/config.ts'
import { freshDatabase } from '../support/fresh-database.ts'
import { freePort, startAiaas, waitForHttp } from '../support/processes.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { json } from '../support/walkthrough.ts'

// Two router processes on real PostgreSQL (and the Redis and RabbitMQ a router needs), with the
// identity API and the projector as separate processes. Each of 30 keys is used at both routers
// (so both have it cached), then revoked; from the admin API's response, each router is polled
// until it refuses the key. The propagation bound of issue 6 is asserted on the p99 of each.

const KEYS = 30
const BOUND_MS = 1000

/** Nearest-rank percentile of a sorted sample. */
const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN

async function startPlatform() {
  const { url } = await freshDatabase('propagation')
  const dataDir = await mkdtemp(join(tmpdir(), 'aiaas-propagation-'))
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
  const usageQueue = `aiaas.usage.propagation.${randomBytes(4).toString('hex')}`
  onTestFinished(() => deleteUsageQueues(usageQueue))
  const [identity = 0, routerA = 0, routerB = 0, metrics = 0] = await Promise.all(
    [1, 2, 3, 4].map(() => freePort()),
  )
  const env = {
    AIAAS_DATABASE_URL: url,
    AIAAS_ADMIN_TOKEN: `propagation-${randomBytes(12).toString('hex')}`,
    AIAAS_USAGE_QUEUE: usageQueue,
    AIAAS_IDENTITY_PORT: String(identity),
    AIAAS_METRICS_PORT: String(metrics),
  }
  await runMigrate(loadConfig({ ...env, AIAAS_LOG_LEVEL: 'silent' }))
  const start = (command: string, extra: Record<string, string> = {}) => {
    const proc = startAiaas(command, { ...env, AIAAS_DATA_DIR: join(dataDir, command), ...extra })
    onTestFinished(() => proc.stop())
    return proc
  }
  const router = (port: number, name: string) => {
    const proc = start('router', { PORT: String(port), AIAAS_DATA_DIR: join(dataDir, name) })
    return waitForHttp(`http://127.0.0.1:${port}/v1/status/healthz`, proc)
  }
  await Promise.all([
    waitForHttp(`http://127.0.0.1:${metrics}/metrics`, start('projector')),
    waitForHttp(`http://127.0.0.1:${identity}/admin/v1/status/healthz`, start('identity')),
    router(routerA, 'router-a'),
    router(routerB, 'router-b'),
  ])
  return {
    admin: `http://127.0.0.1:${identity}/admin/v1`,
    adminToken: env.AIAAS_ADMIN_TOKEN,
    routers: [`http://127.0.0.1:${routerA}/v1`, `http://127.0.0.1:${routerB}/v1`],
  }
}

type Platform = Awaited<ReturnType<typeof startPlatform>>

async function post(p: Platform, path: string, body: object) {
  const response = await fetch(`${p.admin}${path}`, {
    method: 'POST',
    headers: json(p.adminToken),
    body: JSON.stringify(body),
  })
  const answer = (await response.json()) as Record<string, unknown>
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`)
  return answer
}

const statusAt = async (router: string, key: string) =>
  (await fetch(`${router}/models`, { headers: { authorization: `Bearer ${key}` } })).status

/** Milliseconds from `since` until the router answers 401 for the key (polled, bounded at 10 s). */
async function refusedAfter(router: string, key: string, since: number): Promise<number> {
  for (;;) {
    if ((await statusAt(router, key)) === 401) return performance.now() - since
    if (performance.now() - since > 10_000)
      throw new Error(`${router} still accepts a revoked key after 10 s`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('two router processes on PostgreSQL', () => {
  it(`refuse each of ${KEYS} revoked keys within ${BOUND_MS} ms of the admin response (p99)`, async () => {
    const p = await startPlatform()
    const organization = await post(p, '/organizations', { name: 'Propagation' })
    const keys: { id: string; key: string }[] = []
    for (let i = 0; i < KEYS; i++) {
      const issued = await post(p, '/api-keys', { organization_id: organization.id, name: `k${i}` })
      keys.push({ id: String(issued.id), key: String(issued.key) })
    }
    // Both routers have every key cached before it is revoked.
    for (const { key } of keys) for (const router of p.routers) expect(await statusAt(router, key)).toBe(200)

    const samples: number[][] = p.routers.map(() => [])
    for (const { id, key } of keys) {
      await post(p, `/api-keys/${id}/revoke`, {})
      const answered = performance.now()
      const each = await Promise.all(p.routers.map((router) => refusedAfter(router, key, answered)))
      for (const [i, ms] of each.entries()) samples[i]?.push(ms)
    }

    const figures = samples.map((sample) => {
      const sorted = [...sample].sort((a, b) => a - b)
      return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN }
    })
    const line = (f: (typeof figures)[number], i: number) =>
      `router ${i + 1}: p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(1)} ms`
    console.log(`revocation → refused, ${KEYS} keys: ${figures.map(line).join('; ')}`)
    for (const f of figures) expect(f.p99).toBeLessThanOrEqual(BOUND_MS)
  })
})
