import { Pool } from 'undici'
import type { Config } from '../../infra/config/config.ts'
import type { Measurement } from './measure.ts'
import { type Request, runOpenLoop } from './open-loop.ts'
import { type BenchPlatform, startBenchPlatform } from './platform.ts'

// The admin API under a fixed offered load: `aiaas identity` (with `aiaas projector`, on the real
// PostgreSQL) at 200 requests/s, open loop, for 20 s: 70 % reads (one organization, one key, a page
// of organizations, a page of an organization's keys, the models) and 30 % writes (create an
// organization, a user, a key; rename an organization), each write answered once the read models
// hold it (read-your-writes). Baseline in the same run: GET /status/healthz at the same rate.

const RATE = 200
const SEEDED_ORGANIZATIONS = 20

/** Per 100 requests: how many of each kind (70 reads, 30 writes). */
const MIX: readonly [string, number][] = [
  ['GET /organizations/{id}', 20],
  ['GET /api-keys/{id}', 15],
  ['GET /organizations?limit=20', 10],
  ['GET /api-keys?organization_id', 15],
  ['GET /models', 10],
  ['POST /organizations', 8],
  ['POST /users', 7],
  ['POST /api-keys', 8],
  ['PATCH /organizations/{id}', 7],
]

/** The 100 kinds in a fixed, interleaved order (a seeded shuffle), so every second has the mix. */
function schedule(): string[] {
  const kinds = MIX.flatMap(([kind, count]) => Array<string>(count).fill(kind))
  let seed = 42
  for (let i = kinds.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    const j = seed % (i + 1)
    ;[kinds[i], kinds[j]] = [kinds[j] as string, kinds[i] as string]
  }
  return kinds
}

interface Seeded {
  organizations: string[]
  keys: string[]
}

function client(platform: BenchPlatform) {
  const origin = new URL(platform.admin)
  const pool = new Pool(origin.origin, { connections: 64 })
  const headers = { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' }
  const call = async (method: 'GET' | 'POST' | 'PATCH', path: string, body?: object) => {
    const response = await pool.request({
      method,
      path: `${origin.pathname}${path}`,
      headers,
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.body.text()
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`)
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
  }
  return { pool, call }
}

async function seed(call: ReturnType<typeof client>['call']): Promise<Seeded> {
  const seeded: Seeded = { organizations: [], keys: [] }
  for (let i = 0; i < SEEDED_ORGANIZATIONS; i++) {
    const org = await call('POST', '/organizations', { name: `seed-${i}` })
    seeded.organizations.push(String(org.id))
    for (const name of ['a', 'b']) {
      const key = await call('POST', '/api-keys', { organization_id: org.id, name })
      seeded.keys.push(String(key.id))
    }
  }
  await call('POST', '/models', {
    name: 'bench-model',
    input_price_per_million_usd: '1',
    output_price_per_million_usd: '2',
    max_output_tokens: 1024,
    backends: [{ url: 'https://api.example.com/v1', provider: 'openai-compatible' }],
  })
  return seeded
}

function requests(call: ReturnType<typeof client>['call'], seeded: Seeded) {
  const kinds = schedule()
  const pick = (list: readonly string[], index: number) => list[index % list.length] as string
  const sends: Record<string, (index: number) => Promise<unknown>> = {
    'GET /organizations/{id}': (i) => call('GET', `/organizations/${pick(seeded.organizations, i)}`),
    'GET /api-keys/{id}': (i) => call('GET', `/api-keys/${pick(seeded.keys, i)}`),
    'GET /organizations?limit=20': () => call('GET', '/organizations?limit=20'),
    'GET /api-keys?organization_id': (i) =>
      call('GET', `/api-keys?organization_id=${pick(seeded.organizations, i)}&limit=20`),
    'GET /models': () => call('GET', '/models'),
    'POST /organizations': (i) => call('POST', '/organizations', { name: `org-${i}` }),
    'POST /users': (i) =>
      call('POST', '/users', { email: `user-${i}@bench.example`, display_name: `U ${i}` }),
    'POST /api-keys': (i) =>
      call('POST', '/api-keys', { organization_id: pick(seeded.organizations, i), name: `key-${i}` }),
    'PATCH /organizations/{id}': (i) =>
      call('PATCH', `/organizations/${pick(seeded.organizations, i)}`, { name: `renamed-${i}` }),
  }
  return (index: number): Request => {
    const kind = kinds[index % kinds.length] as string
    return { kind, send: async () => void (await sends[kind]?.(index)) }
  }
}

export async function adminBench(config: Config, durationMs = 20_000): Promise<Measurement[]> {
  const platform = await startBenchPlatform(config, 0)
  const { pool, call } = client(platform)
  try {
    const seeded = await seed(call)
    const next = requests(call, seeded)
    // Warm-up: the same mix, not measured (JIT, connection pools, plan caches).
    await runOpenLoop({ ratePerS: RATE, durationMs: 3000, drainMs: 10_000, next }, 'warm-up')
    const health = (): Request => ({
      kind: 'GET /status/healthz',
      send: async () => void (await call('GET', '/status/healthz')),
    })
    const baseline = await runOpenLoop(
      { ratePerS: RATE, durationMs: durationMs / 2, drainMs: 10_000, next: health },
      'baseline (healthz)',
    )
    const mixed = await runOpenLoop(
      { ratePerS: RATE, durationMs, drainMs: 10_000, next: (i) => next(i + 1_000_000) },
      'all (70 % reads, 30 % writes)',
    )
    return [...baseline.slice(-1), ...mixed]
  } finally {
    await pool.close()
    await platform.close()
  }
}
