import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { cooldownMs, DEFAULT_CIRCUIT } from '../../../../gateways/router/health/circuit.ts'
import { createSharedHealth, type SharedHealth } from '../../../../gateways/router/health/shared-health.ts'
import { createMemoryHealthBoard } from '../../../../infra/memory/health-board.ts'

// The circuit breaker of each replica, shared through one board, on a fake clock: two views are
// two router replicas. (Over real Redis: tests/gateways/router/health/shared-health.int.test.ts.)
const circuit = { failureThreshold: 3, cooldownMs: 1000, maxCooldownMs: 8000, trialTimeoutMs: 5000 }
const views: SharedHealth[] = []
afterEach(async () => {
  await Promise.all(views.splice(0).map((v) => v.close()))
})

function replicas(count = 2) {
  let clock = 1_000_000
  const board = createMemoryHealthBoard({ now: () => clock })
  const make = () => {
    const view = createSharedHealth({ board, circuit, now: () => clock, pollMs: 60_000 })
    views.push(view)
    return view
  }
  return {
    board,
    views: Array.from({ length: count }, make),
    make,
    advance: (ms: number) => {
      clock += ms
    },
  }
}

const A = 'http://a.example/v1'
const fail = (view: SharedHealth, times: number) => {
  for (let i = 0; i < times; i++) view.report(A, 'failure')
}

function twoReplicas() {
  const {
    views: [one, two],
    advance,
  } = replicas()
  if (!one || !two) throw new Error('two replicas')
  return { one, two, advance }
}

/** Two replicas whose circuit of A one of them opened, its first cooldown now over. */
function cooledDown() {
  const replicated = twoReplicas()
  fail(replicated.one, circuit.failureThreshold)
  replicated.advance(cooldownMs(circuit, 1))
  return replicated
}

describe('shared circuit breaker', () => {
  it('opens after the threshold of consecutive failures, on every replica; a success in between resets the count', async () => {
    const { one, two } = twoReplicas()
    fail(one, 2)
    one.report(A, 'success')
    fail(one, 2)
    expect(await one.admit(A)).toBe(true)
    fail(one, 1)
    expect(one.stateOf(A)).toBe(2)
    expect(await one.admit(A)).toBe(false)
    expect(two.stateOf(A)).toBe(2)
    expect(await two.admit(A)).toBe(false)
  })

  it('after the cooldown, exactly one request of all replicas is the trial; its success closes the circuit everywhere', async () => {
    const { one, two } = cooledDown()
    expect([one.stateOf(A), two.stateOf(A)]).toEqual([1, 1])
    const admitted = await Promise.all([one.admit(A), two.admit(A), one.admit(A), two.admit(A)])
    expect(admitted.filter(Boolean)).toHaveLength(1)
    const trialist = admitted[0] ? one : two
    trialist.report(A, 'success')
    expect([one.stateOf(A), two.stateOf(A)]).toEqual([0, 0])
    expect(await two.admit(A)).toBe(true)
  })

  it('a trial abandoned without a verdict (its client left) is given back: another request takes it at once', async () => {
    const { one, two } = cooledDown()
    expect(await one.admit(A)).toBe(true)
    expect(await two.admit(A)).toBe(false)
    one.abandon(A)
    await expect.poll(() => one.admit(A)).toBe(true)
  })

  it('a failed trial opens the circuit again for twice the cooldown', async () => {
    const { one, two, advance } = cooledDown()
    expect(await two.admit(A)).toBe(true)
    two.report(A, 'failure')
    expect(one.stateOf(A)).toBe(2)
    advance(cooldownMs(circuit, 1))
    expect(await one.admit(A)).toBe(false)
    advance(cooldownMs(circuit, 2) - cooldownMs(circuit, 1))
    expect(await one.admit(A)).toBe(true)
  })

  it('a replica started after the opening learns it from the board', async () => {
    const {
      views: [one],
      make,
    } = replicas(1)
    if (!one) throw new Error('one replica')
    fail(one, 3)
    const late = make()
    await expect.poll(() => late.stateOf(A)).toBe(2)
    expect(await late.admit(A)).toBe(false)
  })

  it('client errors never open a circuit (the routing loop reports them as successes)', async () => {
    const {
      views: [one],
    } = replicas(1)
    if (!one) throw new Error('one replica')
    for (let i = 0; i < 10; i++) one.report(A, 'success')
    expect(one.stateOf(A)).toBe(0)
  })

  it('the gauge aiaas_router_backend_state shows each backend: 0 closed, 2 open, 1 once the cooldown is over', async () => {
    let clock = 0
    const registry = new Registry()
    const view = createSharedHealth({
      board: createMemoryHealthBoard({ now: () => clock }),
      circuit,
      now: () => clock,
      registry,
    })
    views.push(view)
    view.report('http://b.example/v1', 'success')
    fail(view, 3)
    const gauge = () => registry.getSingleMetricAsString('aiaas_router_backend_state')
    expect(await gauge()).toContain(`aiaas_router_backend_state{backend="${A}"} 2`)
    expect(await gauge()).toContain('aiaas_router_backend_state{backend="http://b.example/v1"} 0')
    clock += cooldownMs(circuit, 1)
    expect(await gauge()).toContain(`aiaas_router_backend_state{backend="${A}"} 1`)
  })

  it('the back-off doubles per opening in a row, up to its cap', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => cooldownMs(circuit, n))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ])
    expect(cooldownMs(DEFAULT_CIRCUIT, 1)).toBe(5000)
  })
})
