import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSharedHealth } from '../../../gateways/router/health/shared-health.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { createRedisHealthBoard } from '../../../infra/redis/health-board.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { eventually } from '../../support/processes.ts'
import { deleteKeys } from '../../support/redis.ts'
import { auth, startAdminApp } from './admin-app.ts'

// GET /admin/v1/models/{name}/health on real Redis and PostgreSQL: a router replica opens a
// circuit through its own board, and the admin API, reading the board with another connection (as
// `aiaas identity` does), shows it open with its cooldown; closed once announced closed. Redis
// unreachable is a 503 problem with Retry-After, never a 500.

const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:model-health:${randomUUID()}:`
const PRIMARY = 'https://primary.health.example/v1'
const FALLBACK = 'https://fallback.health.example:8443/v1'
const makeDatabase = makePostgres('model_health')

let db: Database
let dispose: () => Promise<void>
let platform: Awaited<ReturnType<typeof startAdminApp>>
const adminBoard = createRedisHealthBoard(redisUrl, { keyPrefix })
const routerBoard = createRedisHealthBoard(redisUrl, { keyPrefix })
// A long cooldown, so the circuit is still open however slowly this machine reads it.
const router = createSharedHealth({
  board: routerBoard,
  circuit: { failureThreshold: 2, cooldownMs: 600_000, maxCooldownMs: 600_000, trialTimeoutMs: 60_000 },
  pollMs: 60_000,
})

const health = async (app = platform.app, name = 'healthy') => {
  const response = await app.inject({ method: 'GET', url: `/admin/v1/models/${name}/health`, headers: auth })
  return { status: response.statusCode, headers: response.headers, body: response.json() }
}
const stateOf = (body: { backends: { backend_id: string; state: string }[] }, id: string) =>
  body.backends.find((b) => b.backend_id === id)

beforeAll(async () => {
  ;({ db, dispose } = await makeDatabase())
  platform = await startAdminApp(db, { healthBoard: adminBoard })
  const created = await platform.app.inject({
    method: 'POST',
    url: '/admin/v1/models',
    headers: auth,
    payload: {
      name: 'healthy',
      input_price_per_million_usd: '1',
      output_price_per_million_usd: '2',
      max_output_tokens: 100,
      backends: [
        { url: PRIMARY, provider: 'openai-compatible', priority: 0 },
        { url: FALLBACK, provider: 'openai-compatible', priority: 1 },
      ],
    },
  })
  expect(created.statusCode).toBe(201)
})
afterAll(async () => {
  await router.close()
  await routerBoard.close()
  await platform?.close()
  await adminBoard.close()
  await dispose?.()
  await deleteKeys(redisUrl, keyPrefix)
})

describe('GET /admin/v1/models/{name}/health', () => {
  it('shows every backend closed while no router opened a circuit', async () => {
    const { status, body } = await health()
    expect(status).toBe(200)
    expect(body).toEqual({
      object: 'model_health',
      model: 'healthy',
      backends: [
        {
          backend_id: PRIMARY,
          host: 'primary.health.example',
          state: 'closed',
          cooldown_remaining_ms: null,
          openings: 0,
        },
        {
          backend_id: FALLBACK,
          host: 'fallback.health.example:8443',
          state: 'closed',
          cooldown_remaining_ms: null,
          openings: 0,
        },
      ],
    })
  })

  it('shows a circuit a router opened, with its cooldown, and closed once the router closes it', async () => {
    router.report(PRIMARY, 'failure')
    router.report(PRIMARY, 'failure')
    const opened = await eventually(health, (answer) => stateOf(answer.body, PRIMARY)?.state === 'open')
    const primary = stateOf(opened.body, PRIMARY)
    expect(primary).toMatchObject({ state: 'open', openings: 1 })
    expect(opened.body.backends[0].cooldown_remaining_ms).toBeGreaterThan(0)
    expect(opened.body.backends[0].cooldown_remaining_ms).toBeLessThanOrEqual(600_000)
    expect(stateOf(opened.body, FALLBACK)?.state).toBe('closed')

    await routerBoard.announce(PRIMARY, null)
    const closed = await health()
    expect(stateOf(closed.body, PRIMARY)).toMatchObject({ state: 'closed', cooldown_remaining_ms: null })
  })

  it('answers an unknown model with a 404 problem', async () => {
    const { status, headers, body } = await health(platform.app, 'no-such-model')
    expect(status).toBe(404)
    expect(headers['content-type']).toContain('application/problem+json')
    expect(body).toMatchObject({ status: 404, code: 'MODEL_NOT_FOUND' })
  })

  it('answers 503 with Retry-After, not 500, when Redis does not answer', async () => {
    const unreachable = createRedisHealthBoard('redis://127.0.0.1:1')
    const cut = await startAdminApp(db, { healthBoard: unreachable })
    try {
      const { status, headers, body } = await health(cut.app)
      expect(status).toBe(503)
      expect(headers['content-type']).toContain('application/problem+json')
      expect(headers['retry-after']).toBe('1')
      expect(body).toMatchObject({ status: 503, code: 'HEALTH_BOARD_UNAVAILABLE' })
    } finally {
      await cut.close()
      await unreachable.close()
    }
  })
})
