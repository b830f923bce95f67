import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Pool } from 'undici'
import { freePort, type Proc, startAiaas, waitForHttp } from '../../support/processes.ts'
import type { Target } from './clients.ts'
import { collectGarbage, inspectorUrl, profiled } from './inspector.ts'

// The streaming benchmark's processes: `aiaas mock-model` on its own, `aiaas dev` (the embedded
// router, logs at info) with its echo model pointed at that mock, and the bare proxy in front of
// the same mock when `make bench-peers` has installed it. Each measured process is its own, so
// /proc shows its CPU and memory alone.

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const PEERS = process.env.AIAAS_PEERS_DIR ?? join(ROOT, 'build', 'peers')
const BARE_PROXY = fileURLToPath(new URL('./bare-proxy.ts', import.meta.url))

export interface StreamRig {
  direct: Target
  router: Target
  proxy: Target | null
  /** Why the bare proxy is missing, when it is. */
  notes: string[]
  /** A fresh pool to a target's origin with `connections` sockets (the idle-stream run). */
  poolTo(target: Target, connections: number): Pool
  /** The router's V8 heap in use after a full garbage collection, bytes, from its /metrics. */
  routerHeapBytes(): Promise<number>
  /** Runs `during` while the router's CPU is profiled; the profile as .cpuprofile JSON. */
  profileRouter<T>(during: () => Promise<T>): Promise<[T, string]>
  close(): Promise<void>
}

async function createKey(base: string, adminToken: string): Promise<string> {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${base}/admin/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify(body),
    })
    if (response.status !== 201) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`)
    return (await response.json()) as Record<string, string>
  }
  const org = await post('/organizations', { name: 'stream-bench' })
  const key = await post('/api-keys', { organization_id: org.id, name: 'stream-bench' })
  if (!key.key) throw new Error('no key in the answer')
  return key.key
}

/** The bare proxy on `port` in front of `upstream`, or why it cannot run. */
function startProxy(port: number, upstream: string): Proc | string {
  if (!existsSync(join(PEERS, 'proxy', 'node_modules', '@fastify', 'http-proxy')))
    return `no bare proxy: @fastify/http-proxy is not installed in ${PEERS}/proxy (bash infra/bench/install-peers.sh)`
  const env = { AIAAS_BENCH_UPSTREAM: upstream, AIAAS_PEERS_DIR: PEERS }
  return startAiaas(String(port), env, { cli: BARE_PROXY, cwd: ROOT })
}

const target = (name: string, port: number, key: string | null, proc: Proc): Target => ({
  name,
  origin: `http://127.0.0.1:${port}`,
  pool: new Pool(`http://127.0.0.1:${port}`, { connections: 1 }),
  key,
  pid: proc.child.pid ?? null,
})

export async function startStreamRig(): Promise<StreamRig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'aiaas-stream-bench-'))
  const procs: Proc[] = []
  const targets: Target[] = []
  const close = async () => {
    await Promise.all(targets.map((t) => t.pool.destroy()))
    await Promise.all(procs.map((proc) => proc.stop()))
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    const [mockPort = 0, routerPort = 0, proxyPort = 0] = await Promise.all([1, 2, 3].map(() => freePort()))
    const adminToken = `bench-${randomBytes(12).toString('hex')}`
    const mock = startAiaas('mock-model', { AIAAS_MOCK_MODEL_PORT: String(mockPort) })
    const router = startAiaas('dev', {
      PORT: String(routerPort),
      AIAAS_DATA_DIR: dataDir,
      AIAAS_ADMIN_TOKEN: adminToken,
      AIAAS_MOCK_BACKEND_URL: `http://127.0.0.1:${mockPort}/v1`,
      AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback',
      AIAAS_DEFAULT_KEY_RPM: '100000000',
      // An idle stream is a silence: held streams must outlive the run, not time out.
      AIAAS_BACKEND_TIMEOUT_MS: '900000',
      AIAAS_LOG_LEVEL: 'info',
      // For a full GC before the heap is read and for profiles (inspector.ts); idle until used.
      NODE_OPTIONS: '--inspect=127.0.0.1:0',
    })
    procs.push(mock, router)
    await waitForHttp(`http://127.0.0.1:${mockPort}/v1/models`, mock)
    await waitForHttp(`http://127.0.0.1:${routerPort}/v1/status/healthz`, router, 120_000)
    const proxy = startProxy(proxyPort, `http://127.0.0.1:${mockPort}`)
    if (typeof proxy !== 'string') {
      procs.push(proxy)
      await waitForHttp(`http://127.0.0.1:${proxyPort}/v1/models`, proxy)
    }
    const key = await createKey(`http://127.0.0.1:${routerPort}`, adminToken)
    targets.push(
      target('mock directly', mockPort, null, mock),
      target('AIaaS router', routerPort, key, router),
    )
    if (typeof proxy !== 'string') targets.push(target('bare proxy', proxyPort, null, proxy))
    const [direct, routerTarget, proxyTarget] = targets as [Target, Target, Target | undefined]
    return {
      direct,
      router: routerTarget,
      proxy: proxyTarget ?? null,
      notes: typeof proxy === 'string' ? [proxy] : [],
      poolTo: (t, connections) => new Pool(t.origin, { connections }),
      routerHeapBytes: async () => {
        await collectGarbage(inspectorOf(router))
        return heapBytes(`http://127.0.0.1:${routerPort}/metrics`)
      },
      profileRouter: (during) => profiled(inspectorOf(router), during),
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

function inspectorOf(proc: Proc): string {
  const url = inspectorUrl(proc.output())
  if (!url) throw new Error(`${proc.name} announced no inspector`)
  return url
}

/** nodejs_heap_size_used_bytes of a process's Prometheus metrics. */
async function heapBytes(url: string): Promise<number> {
  const text = await (await fetch(url)).text()
  const match = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text)
  if (!match) throw new Error(`no nodejs_heap_size_used_bytes at ${url}`)
  return Number(match[1])
}
