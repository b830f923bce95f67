import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { CircuitOpening, HealthBoard } from '../../../infra/ports/health-board.ts'
import { eventually } from '../../support/processes.ts'

/**
 * What every health board does, given a factory whose boards share one store (two replicas).
 * Backends are unique per test, so a shared Redis needs no cleanup between tests.
 */
export function healthBoardContract(name: string, board: () => HealthBoard) {
  describe(`${name} health board`, () => {
    const opened: HealthBoard[] = []
    const open = () => {
      const b = board()
      opened.push(b)
      return b
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()))
    })

    it('an opening announced by one replica reaches the listeners of another, then its close', async () => {
      const [a, b] = [open(), open()]
      const heard: [string, CircuitOpening | null][] = []
      await b.listen((backend, opening) => heard.push([backend, opening]))
      const backend = `http://${randomUUID()}/v1`
      await a.announce(backend, { cooldown_ms: 30_000, openings: 2 })
      await eventually(
        async () => heard.length,
        (n) => n >= 1,
        5000,
      )
      await a.announce(backend, null)
      await eventually(
        async () => heard.length,
        (n) => n >= 2,
        5000,
      )
      expect(heard).toEqual([
        [backend, { cooldown_ms: 30_000, openings: 2 }],
        [backend, null],
      ])
    })

    it('a replica that was not listening reads the openings in force, with the cooldown left', async () => {
      const [a, b] = [open(), open()]
      const backend = `http://${randomUUID()}/v1`
      const closedAgain = `http://${randomUUID()}/v1`
      await a.announce(backend, { cooldown_ms: 30_000, openings: 1 })
      await a.announce(closedAgain, { cooldown_ms: 30_000, openings: 1 })
      await a.announce(closedAgain, null)
      const current = await b.openings()
      expect(current.get(backend)?.openings).toBe(1)
      expect(current.get(backend)?.cooldown_ms).toBeGreaterThan(0)
      expect(current.get(backend)?.cooldown_ms).toBeLessThanOrEqual(30_000)
      expect(current.has(closedAgain)).toBe(false)
    })

    it('an opening past its cooldown is no longer in force', async () => {
      const [a, b] = [open(), open()]
      const backend = `http://${randomUUID()}/v1`
      await a.announce(backend, { cooldown_ms: 50, openings: 1 })
      await eventually(
        async () => (await b.openings()).has(backend),
        (has) => !has,
        5000,
      )
    })

    it('of 10 replicas asking at once, exactly one takes the half-open trial', async () => {
      const boards = Array.from({ length: 10 }, open)
      const backend = `http://${randomUUID()}/v1`
      const taken = await Promise.all(boards.map((b) => b.takeTrial(backend, 30_000)))
      expect(taken.filter(Boolean)).toHaveLength(1)
      // The trial's verdict is announced: the next opening has a trial of its own.
      await boards[0]?.announce(backend, { cooldown_ms: 30_000, openings: 2 })
      expect(await boards[1]?.takeTrial(backend, 30_000)).toBe(true)
      expect(await boards[2]?.takeTrial(backend, 30_000)).toBe(false)
      // A trial given back unmade may be taken again at once.
      await boards[1]?.releaseTrial(backend)
      expect(await boards[3]?.takeTrial(backend, 30_000)).toBe(true)
    })
  })
}
