import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createSharedHealth } from '../../../../gateways/router/health/shared-health.ts'
import { loadConfig } from '../../../../infra/config/config.ts'
import { createRedisHealthBoard } from '../../../../infra/redis/health-board.ts'
import { type MockBackend, startMockBackendPair } from '../../../support/mock-backend.ts'
import { eventually } from '../../../support/processes.ts'
import { deleteKeys } from '../../../support/redis.ts'
import { backendOn, routedModel, routingRouter } from '../routing-router.ts'

// Passive health across router replicas over real Redis (docs/routing.md#health-and-failover):
// a backend whose circuit one replica opened is skipped by the other, and with Redis gone each
// replica keeps its own view.
const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:router-health:${randomUUID()}:`
const circuit = { failureThreshold: 2, cooldownMs: 60_000, maxCooldownMs: 60_000, trialTimeoutMs: 60_000 }
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})
afterAll(() => deleteKeys(redisUrl, keyPrefix))

function health(url = redisUrl) {
  const board = createRedisHealthBoard(url, { keyPrefix, commandTimeoutMs: 300 })
  const view = createSharedHealth({ board, circuit, pollMs: 500 })
  closers.push(async () => {
    await view.close()
    await board.close()
  })
  return view
}

const backends = () => startMockBackendPair((...close) => closers.push(...close))

async function router(a: MockBackend, b: MockBackend, view: ReturnType<typeof health>) {
  // The id is per test, so the shared keys of one test never touch another's.
  const model = routedModel([backendOn(a, { id: `${a.url}#${randomUUID()}` }), backendOn(b, { priority: 1 })])
  const r = await routingRouter([model], { routing: { health: view } })
  closers.push(r.close)
  return { ...r, a: model.backends?.[0]?.id ?? '' }
}

const post = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  })

describe('backend health shared by router replicas', () => {
  it('a backend opened by one replica is skipped by the other, which answers from the next backend', async () => {
    const [a, b] = await backends()
    a.always({ status: 503 })
    const [view1, view2] = [health(), health()]
    const one = await router(a, b, view1)
    // Both replicas route the same backend ids.
    const two = await routingRouter(
      [routedModel([backendOn(a, { id: one.a }), backendOn(b, { priority: 1 })])],
      {
        routing: { health: view2 },
      },
    )
    closers.push(two.close)
    for (let i = 0; i < 2; i++) expect((await post(one.url)).status).toBe(200)
    expect(a.received).toHaveLength(2)
    expect(view1.stateOf(one.a)).toBe(2)
    await eventually(
      async () => view2.stateOf(one.a),
      (state) => state === 2,
      10_000,
    )
    const answered = await post(two.url)
    expect(await answered.json()).toMatchObject({ choices: [{ message: { content: 'hello from b' } }] })
    expect(a.received).toHaveLength(2)
    expect(b.received).toHaveLength(3)
  })

  it('Redis down: each replica keeps its own view, opening and skipping on its own', async () => {
    const [a, b] = await backends()
    a.always({ status: 503 })
    const view = health('redis://127.0.0.1:1')
    const r = await router(a, b, view)
    for (let i = 0; i < 3; i++) expect((await post(r.url)).status).toBe(200)
    // Two failures opened the circuit here; the third request went straight to b.
    expect(a.received).toHaveLength(2)
    expect(b.received).toHaveLength(3)
    expect(view.stateOf(r.a)).toBe(2)
  })

  it('every backend of the model open: 502 backend_unavailable at once, no backend called', async () => {
    const [a] = await backends()
    a.always({ status: 503 })
    const view = health()
    const only = routedModel([backendOn(a, { id: `${a.url}#${randomUUID()}` })])
    const r = await routingRouter([only], { routing: { health: view } })
    closers.push(r.close)
    expect((await post(r.url)).status).toBe(502)
    expect(a.received).toHaveLength(2)
    const refused = await post(r.url)
    expect(refused.status).toBe(502)
    expect(await refused.json()).toMatchObject({ error: { code: 'backend_unavailable' } })
    expect(a.received).toHaveLength(2)
  })

  it('client errors (4xx) never open a circuit: the backend keeps getting requests', async () => {
    const [a, b] = await backends()
    a.always({ status: 400 })
    const view = health()
    const r = await router(a, b, view)
    for (let i = 0; i < 4; i++) expect((await post(r.url)).status).toBe(400)
    expect(a.received).toHaveLength(4)
    expect(view.stateOf(r.a)).toBe(0)
  })
})
