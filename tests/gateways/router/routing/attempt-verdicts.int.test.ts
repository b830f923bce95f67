import { afterEach, describe, expect, it } from 'vitest'
import { createSharedHealth, type SharedHealth } from '../../../../gateways/router/health/shared-health.ts'
import { createMemoryHealthBoard } from '../../../../infra/memory/health-board.ts'
import { startMockAnthropic } from '../../../support/mock-anthropic.ts'
import { startMockBackend } from '../../../support/mock-backend.ts'
import { anthropicAt, routedModel, routingRouter } from '../routing-router.ts'

// What an attempt tells backend health (docs/routing.md#health-and-failover) when the backend
// is not what failed, or failed by answering wrongly: a body the adapter refused before any
// call is no verdict at all; an answer not in the provider's shape is a backend failure.
const KEY = 'sk-ant-verdicts-test-key'
const circuit = { failureThreshold: 3, cooldownMs: 1000, maxCooldownMs: 8000, trialTimeoutMs: 60_000 }
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** A router with one anthropic backend at `url`, its health on a clock the test moves. */
async function routerWithHealth(url: string) {
  let clock = 1_000_000
  const health: SharedHealth = createSharedHealth({
    board: createMemoryHealthBoard({ now: () => clock }),
    circuit,
    now: () => clock,
    pollMs: 60_000,
  })
  closers.push(() => health.close())
  const r = await routingRouter([routedModel([anthropicAt(url, KEY)])], { routing: { health } })
  closers.push(r.close)
  const fail = (times: number) => {
    for (let i = 0; i < times; i++) health.report(url, 'failure')
  }
  const advance = (ms: number) => {
    clock += ms
  }
  return { r, health, fail, advance }
}

async function anthropic() {
  const mock = await startMockAnthropic({ apiKey: KEY })
  closers.push(() => mock.close())
  return mock
}

const post = (url: string, body: object) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], ...body }),
  })

describe('attempt verdicts', () => {
  it('a body refused before any call never closes a half-open circuit: its trial is given back', async () => {
    const mock = await anthropic()
    const { r, health, fail, advance } = await routerWithHealth(mock.url)
    fail(3)
    advance(circuit.cooldownMs)
    expect(health.stateOf(mock.url)).toBe(1)
    const refused = await post(r.url, { n: 3 })
    expect(refused.status).toBe(400)
    expect(mock.requests).toHaveLength(0)
    expect(health.stateOf(mock.url)).toBe(1)
    // The trial the refused request took is free again: the next request is the real trial.
    await expect.poll(() => health.admit(mock.url)).toBe(true)
  })

  it('a body refused before any call counts nothing: consecutive failures around it still open the circuit', async () => {
    const mock = await anthropic()
    const { r, health, fail } = await routerWithHealth(mock.url)
    fail(2)
    expect((await post(r.url, { logprobs: true })).status).toBe(400)
    fail(1)
    expect(health.stateOf(mock.url)).toBe(2)
  })

  it('an answer not in the provider API shape is a backend error (502 backend_error), counted as a failure', async () => {
    // An OpenAI-compatible mock answers /messages with a chat completion: not a Messages answer.
    const wrong = await startMockBackend('wrong')
    closers.push(() => wrong.close())
    const { r, health, fail } = await routerWithHealth(wrong.url)
    fail(2)
    const response = await post(r.url, {})
    expect(response.status).toBe(502)
    expect(await response.json()).toMatchObject({ error: { code: 'backend_error', type: 'api_error' } })
    expect(wrong.received.length).toBeGreaterThan(0)
    expect(health.stateOf(wrong.url)).toBe(2)
  })
})
