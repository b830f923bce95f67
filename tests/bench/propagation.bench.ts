import type { Config } from '../../infra/config/config.ts'
import { type Measurement, percentile, round } from './measure.ts'
import { type BenchPlatform, startBenchPlatform } from './platform.ts'

// Command → visible at a router replica, measured from outside over HTTP, so it measures whatever
// mechanism the router has (cache, change feed): `aiaas identity`, `aiaas projector` and one
// `aiaas router` as their own processes on the real PostgreSQL. For each of KEYS keys: issue it
// through the admin API and, from the admin's response, poll the router (GET /v1/models with the
// key, every POLL_MS) until it serves the key (200); then revoke it and poll until the router
// refuses it (401). The admin's response already waits for the read models (read-your-writes), so
// the figure is what a client sees after its 201/200 arrives.

const KEYS = 50
const POLL_MS = 5
const BOUND_MS = 15_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function admin(platform: BenchPlatform, path: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${platform.admin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const answer = (await response.json()) as Record<string, unknown>
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`)
  return answer
}

const statusAt = async (router: string, key: string) => {
  const response = await fetch(`${router}/models`, { headers: { authorization: `Bearer ${key}` } })
  await response.arrayBuffer()
  return response.status
}

/** Milliseconds from `since` until the router answers `status` for the key (null: not within the bound). */
async function seenAfter(router: string, key: string, status: number, since: number): Promise<number | null> {
  for (;;) {
    if ((await statusAt(router, key)) === status) return performance.now() - since
    if (performance.now() - since > BOUND_MS) return null
    await sleep(POLL_MS)
  }
}

function measurement(name: string, samples: readonly (number | null)[], seconds: number): Measurement {
  const seen = samples.filter((s): s is number => s !== null).sort((a, b) => a - b)
  return {
    name,
    ops: seen.length,
    rows_per_op: 1,
    seconds: round(seconds, 3),
    ops_per_s: round(seen.length / seconds, 1),
    rows_per_s: round(seen.length / seconds, 1),
    p50_ms: round(percentile(seen, 50)),
    p99_ms: round(percentile(seen, 99)),
    errors: samples.length - seen.length,
  }
}

export async function propagationBench(config: Config, keys = KEYS): Promise<Measurement[]> {
  const platform = await startBenchPlatform(config, 1)
  const router = platform.routers[0] as string
  try {
    const org = await admin(platform, '/organizations', { name: 'propagation' })
    const issued: (number | null)[] = []
    const revoked: (number | null)[] = []
    const started = performance.now()
    for (let i = 0; i < keys; i++) {
      const key = await admin(platform, '/api-keys', { organization_id: org.id, name: `k${i}` })
      issued.push(await seenAfter(router, String(key.key), 200, performance.now()))
      await admin(platform, `/api-keys/${key.id}/revoke`, {})
      revoked.push(await seenAfter(router, String(key.key), 401, performance.now()))
    }
    const seconds = (performance.now() - started) / 1000
    return [
      measurement('key issued → served by the router', issued, seconds),
      measurement('key revoked → refused by the router', revoked, seconds),
      measurement('both', [...issued, ...revoked], seconds),
    ]
  } finally {
    await platform.close()
  }
}
