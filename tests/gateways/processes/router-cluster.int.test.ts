import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from 'undici'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { freePort, type Proc, startAiaas, waitForHttp } from '../../support/processes.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../../support/separate-platform.ts'
import { createOrgAndKey } from '../../support/walkthrough.ts'

// `aiaas router` with AIAAS_ROUTER_WORKERS=2: one port served by two worker processes, each a
// replica with its own cache and spool. What a user relies on: a key's limit holds across the
// workers exactly (Redis), /metrics counts the whole router, a worker that dies is replaced, and
// SIGTERM stops them all.

const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number)
  } catch {
    return []
  }
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** One chat completion on a connection of its own, so that requests spread over the workers. */
async function chatOnNewConnection(router: string, key: string): Promise<number> {
  const client = new Client(router)
  try {
    const response = await client.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }),
    })
    await response.body.dump()
    return response.statusCode
  } finally {
    await client.close()
  }
}

/** How many echo requests the router's /metrics counts with this outcome (0 when absent). */
async function counted(router: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${router}/metrics`)).text()
  const found = text
    .split('\n')
    .find((l) => l.startsWith('aiaas_inference_requests_total{') && l.includes(`outcome="${outcome}"`))
  return found ? Number(found.split(' ').at(-1)) : 0
}

describe('a router on two worker processes', () => {
  const queue = `aiaas.usage.router-cluster.${randomBytes(4).toString('hex')}`
  const dataDir = join(tmpdir(), `aiaas-router-cluster-${randomBytes(4).toString('hex')}`)
  let platform: SeparatePlatform | undefined
  let router: Proc | undefined

  afterAll(async () => {
    await router?.stop()
    await platform?.stop()
    await deleteUsageQueues(queue)
    await rm(dataDir, { recursive: true, force: true })
  })

  it("keeps a key's RPM exact across its workers, counts them all on /metrics, replaces one that dies, and stops whole", async () => {
    platform = await startSeparatePlatform({
      name: 'router_cluster',
      commands: ['projector', 'identity', 'mock-model'],
      env: { AIAAS_USAGE_QUEUE: queue },
    })
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    router = startAiaas('router', {
      AIAAS_DATABASE_URL: platform.databaseUrl,
      AIAAS_ADMIN_TOKEN: platform.adminToken,
      AIAAS_USAGE_QUEUE: queue,
      AIAAS_DATA_DIR: dataDir,
      AIAAS_MOCK_MODEL_PORT: new URL(platform.url('mock-model')).port,
      PORT: String(port),
      AIAAS_ROUTER_WORKERS: '2',
      AIAAS_DEFAULT_KEY_RPM: '10',
      AIAAS_LOG_LEVEL: 'info',
    })
    await waitForHttp(`${url}/v1/status/healthz`, router)
    // The first worker answers before the second listens; the primary says it is listening once
    // both do (each worker says so too): three lines.
    await vi.waitFor(() => expect(router?.output().match(/aiaas router listening on/g)?.length).toBe(3), {
      timeout: 30_000,
      interval: 50,
    })
    const primary = router.child.pid as number
    const workers = childrenOf(primary)
    expect(workers).toHaveLength(2)

    const { key } = await createOrgAndKey({
      admin: platform.url('identity'),
      router: url,
      analytics: '',
      adminToken: platform.adminToken,
    })
    // One after another, each on a new connection: the primary hands connections to its workers
    // in turn, so both serve (and count against the same limit).
    const statuses: number[] = []
    for (let i = 0; i < 24; i++) statuses.push(await chatOnNewConnection(url, key))
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.filter((s) => s === 429)).toHaveLength(14)
    // Both workers answered some of them: each logs its requests with its own pid.
    await vi.waitFor(
      () => {
        const pids = router
          ?.output()
          .split('\n')
          .filter((line) => line.includes('"request completed"') && line.includes('/v1/chat/completions'))
          .map((line) => (JSON.parse(line) as { pid: number }).pid)
        expect(new Set(pids)).toEqual(new Set(workers))
      },
      { timeout: 10_000, interval: 100 },
    )
    // Whichever worker answers /metrics, it counts the whole router's requests.
    for (let i = 0; i < 4; i++) {
      expect(await counted(url, 'ok')).toBe(10)
      expect(await counted(url, 'rate_limited')).toBe(14)
    }

    // A worker killed outright is replaced, and the router answers meanwhile.
    process.kill(workers[0] as number, 'SIGKILL')
    await vi.waitFor(
      () => {
        const now = childrenOf(primary)
        expect(now).toHaveLength(2)
        expect(now).not.toContain(workers[0])
      },
      { timeout: 20_000, interval: 100 },
    )
    await waitForHttp(`${url}/v1/status/healthz`, router)

    // The new worker took the dead one's index: its spool and copy, not a third directory.
    expect((await readdir(dataDir)).filter((name) => name.startsWith('worker-')).sort()).toEqual([
      'worker-0',
      'worker-1',
    ])

    // SIGTERM to the primary stops every worker, and it exits cleanly.
    const last = childrenOf(primary)
    await router.stop()
    expect(router.child.exitCode).toBe(0)
    for (const pid of last) expect(alive(pid)).toBe(false)
  }, 120_000)
})
