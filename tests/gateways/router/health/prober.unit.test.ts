import { afterEach, describe, expect, it } from 'vitest'
import { createProber, type Prober, type ProbeTarget } from '../../../../gateways/router/health/prober.ts'
import { createSharedHealth, type SharedHealth } from '../../../../gateways/router/health/shared-health.ts'
import { createMemoryHealthBoard } from '../../../../infra/memory/health-board.ts'
import { eventually } from '../../../support/processes.ts'

// The prober's own duties, with a probe call the test holds open: bounded concurrency, a probe
// stopped midway says nothing (a trial it took is given back), and nothing runs after close.
const circuit = { failureThreshold: 2, cooldownMs: 60_000, maxCooldownMs: 60_000, trialTimeoutMs: 60_000 }
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** A probe call that hangs until released (or aborted), counting the calls in flight. */
function heldCalls() {
  const started: string[] = []
  let inFlight = 0
  let most = 0
  const releases: Array<() => void> = []
  const call = (target: ProbeTarget, signal: AbortSignal) =>
    new Promise<boolean>((resolve, reject) => {
      started.push(target.id)
      inFlight += 1
      most = Math.max(most, inFlight)
      let over = false
      const done = () => {
        if (!over) inFlight -= 1
        over = true
      }
      signal.addEventListener('abort', () => {
        done()
        reject(signal.reason)
      })
      releases.push(() => {
        done()
        resolve(true)
      })
    })
  const releaseAll = () => {
    for (const release of releases.splice(0)) release()
  }
  return { call, started, most: () => most, releaseAll }
}

function setup(call: (t: ProbeTarget, s: AbortSignal) => Promise<boolean>, maxConcurrent?: number) {
  const clock = { now: 1_000_000 }
  const board = createMemoryHealthBoard({ now: () => clock.now })
  const view: SharedHealth = createSharedHealth({ board, circuit, now: () => clock.now, pollMs: 60_000 })
  const prober: Prober<ProbeTarget> = createProber({ health: view, call, maxConcurrent })
  closers.push(async () => {
    await prober.close()
    await view.close()
  })
  return { clock, view, prober }
}

const target = (id: string): ProbeTarget => ({ id, interval_ms: 5, timeout_ms: 60_000 })

describe('prober', () => {
  it('a probe that breaks is reported, never left unhandled, and its timer goes on', async () => {
    const errors: unknown[] = []
    let calls = 0
    const broken = {
      stateOf: () => 0 as const,
      admit: () => true,
      abandon: () => {},
      report: () => {
        throw new Error('health view broke')
      },
    }
    const prober = createProber({
      health: broken,
      call: async () => {
        calls += 1
        return true
      },
      onError: (error) => errors.push(error),
    })
    closers.push(() => prober.close())
    prober.update([target('a')])
    await eventually(
      async () => calls,
      (n) => n >= 3,
      10_000,
    )
    expect(errors.length).toBeGreaterThanOrEqual(2)
    expect(String(errors[0])).toContain('health view broke')
  })

  it('never has more probes in flight than its bound; the others wait their turn', async () => {
    const held = heldCalls()
    const { prober } = setup(held.call, 2)
    prober.update(['a', 'b', 'c', 'd', 'e'].map(target))
    await eventually(
      async () => held.started.length,
      (n) => n >= 2,
      10_000,
    )
    expect(held.most()).toBe(2)
    // Released as they start, every backend gets its probe in turn.
    await eventually(
      async () => {
        held.releaseAll()
        return new Set(held.started)
      },
      (ids) => ids.size === 5,
      10_000,
    )
    expect(held.most()).toBe(2)
  })

  it('a probe stopped midway gives back the half-open trial it took, and close leaves nothing running', async () => {
    const held = heldCalls()
    const { clock, view, prober } = setup(held.call)
    for (let i = 0; i < circuit.failureThreshold; i++) view.report('a', 'failure')
    clock.now += circuit.cooldownMs
    prober.update([target('a')])
    await eventually(
      async () => held.started.length,
      (n) => n === 1,
      10_000,
    )
    // The probe holds the trial: a request is not let through meanwhile.
    expect(await view.admit('a')).toBe(false)
    await prober.close()
    expect(prober.probed()).toEqual([])
    // Given back: the next request takes the trial at once.
    expect(await view.admit('a')).toBe(true)
    prober.update([target('a')])
    expect(prober.probed()).toEqual([])
  })
})
