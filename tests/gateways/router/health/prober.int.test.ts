import { afterEach, describe, expect, it } from 'vitest'
import {
  httpProbe,
  type ProbedBackend,
  probedBackend,
} from '../../../../gateways/router/health/probe-call.ts'
import { createProber } from '../../../../gateways/router/health/prober.ts'
import { createSharedHealth, type SharedHealth } from '../../../../gateways/router/health/shared-health.ts'
import { createMemoryHealthBoard } from '../../../../infra/memory/health-board.ts'
import type { HealthBoard } from '../../../../infra/ports/health-board.ts'
import { createRedisHealthBoard } from '../../../../infra/redis/health-board.ts'
import { type MockBackend, startMockBackendPair } from '../../../support/mock-backend.ts'
import { eventually } from '../../../support/processes.ts'
import { anthropicAt, backendOn, routedModel, routingRouter } from '../routing-router.ts'

// Active probes (docs/routing.md#health-and-failover) against mock backends over HTTP, feeding a
// health view on a fake clock: a failing probe opens a circuit before any request reaches the
// backend, a passing probe after the cooldown closes it, and unprobed backends are left alone.
const circuit = { failureThreshold: 2, cooldownMs: 60_000, maxCooldownMs: 60_000, trialTimeoutMs: 60_000 }
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

const backends = () => startMockBackendPair((...close) => closers.push(...close))

function setup(redisBoard?: HealthBoard) {
  const clock = { now: 1_000_000 }
  const board = redisBoard ?? createMemoryHealthBoard({ now: () => clock.now })
  const view = createSharedHealth({ board, circuit, now: () => clock.now, pollMs: 60_000 })
  const prober = createProber<ProbedBackend>({ health: view, call: httpProbe })
  closers.push(async () => {
    await prober.close()
    await view.close()
    await board.close()
  })
  return { clock, view, prober }
}

const probeEvery = { path: '/health', interval_ms: 20 } as const

const post = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  })

async function routerOn(view: SharedHealth, a: MockBackend, b: MockBackend) {
  const model = routedModel([backendOn(a), backendOn(b, { priority: 1 })])
  const r = await routingRouter([model], { routing: { health: view } })
  closers.push(r.close)
  return r
}

describe('active probes', () => {
  it('a backend whose probe fails is skipped before any request reaches it', async () => {
    const [a, b] = await backends()
    a.probeStatus(503)
    const { view, prober } = setup()
    prober.update([probedBackend(backendOn(a), probeEvery)])
    await eventually(
      async () => view.stateOf(a.url),
      (state) => state === 2,
      10_000,
    )
    // The probes went to vLLM's /health on the backend's origin, with its credentials.
    expect(a.probes[0]).toMatchObject({ path: '/health', headers: { authorization: 'Bearer key-of-a' } })
    const r = await routerOn(view, a, b)
    const answered = await post(r.url)
    expect(await answered.json()).toMatchObject({ choices: [{ message: { content: 'hello from b' } }] })
    expect(a.received).toHaveLength(0)
  })

  it('a probe success after the cooldown closes an open backend, and requests reach it again', async () => {
    const [a, b] = await backends()
    const { clock, view, prober } = setup()
    for (let i = 0; i < circuit.failureThreshold; i++) view.report(a.url, 'failure')
    expect(view.stateOf(a.url)).toBe(2)
    prober.update([probedBackend(backendOn(a), probeEvery)])
    // Cooling down: nothing is sent to it, a probe neither.
    const r = await routerOn(view, a, b)
    await post(r.url)
    expect(a.probes).toHaveLength(0)
    clock.now += circuit.cooldownMs
    await eventually(
      async () => view.stateOf(a.url),
      (state) => state === 0,
      10_000,
    )
    expect(a.received).toHaveLength(0)
    const answered = await post(r.url)
    expect(await answered.json()).toMatchObject({ choices: [{ message: { content: 'hello from a' } }] })
  })

  it('a failed probe as the half-open trial opens the backend again', async () => {
    const [a] = await backends()
    a.probeStatus(500)
    const { clock, view, prober } = setup()
    for (let i = 0; i < circuit.failureThreshold; i++) view.report(a.url, 'failure')
    prober.update([probedBackend(backendOn(a), probeEvery)])
    clock.now += circuit.cooldownMs
    await eventually(
      async () => a.probes.length,
      (count) => count >= 1,
      10_000,
    )
    await eventually(
      async () => view.stateOf(a.url),
      (state) => state === 2,
      10_000,
    )
    expect(a.received).toHaveLength(0)
  })

  it('a backend without a probe is never probed, and a closed prober probes no more', async () => {
    const [a, b] = await backends()
    const { prober } = setup()
    const other = setup().prober
    prober.update([probedBackend(backendOn(a), probeEvery)])
    other.update([probedBackend(backendOn(b), probeEvery)])
    await eventually(
      async () => a.probes.length,
      (count) => count >= 2,
      10_000,
    )
    prober.update([])
    await prober.close()
    expect(prober.probed()).toEqual([])
    const after = a.probes.length
    // b's probes go on meanwhile: by the time it has had three more, a's timer would have fired.
    const bNow = b.probes.length
    await eventually(
      async () => b.probes.length,
      (count) => count >= bNow + 3,
      10_000,
    )
    expect(a.probes).toHaveLength(after)
    expect(a.received).toHaveLength(0)
  })

  it('Redis down: each replica probes for itself and opens the circuit on its own', async () => {
    const [a] = await backends()
    a.probeStatus(503)
    const board = createRedisHealthBoard('redis://127.0.0.1:1', { commandTimeoutMs: 200 })
    const { view, prober } = setup(board)
    prober.update([probedBackend(backendOn(a), probeEvery)])
    await eventually(
      async () => view.stateOf(a.url),
      (state) => state === 2,
      10_000,
    )
  })

  it('an anthropic backend is probed with GET /v1/models and its x-api-key, never a bearer token', async () => {
    const [a] = await backends()
    const { view, prober } = setup()
    prober.update([probedBackend(anthropicAt(a.url, 'sk-ant-test'), { path: '/v1/models', interval_ms: 20 })])
    await eventually(
      async () => a.probes.length,
      (count) => count >= 1,
      10_000,
    )
    const [probe] = a.probes
    expect(probe?.path).toBe('/v1/models')
    expect(probe?.headers).toMatchObject({
      'x-api-key': 'sk-ant-test',
      'anthropic-version': expect.any(String),
    })
    expect(probe?.headers.authorization).toBeUndefined()
    expect(view.stateOf(a.url)).toBe(0)
  })
})
