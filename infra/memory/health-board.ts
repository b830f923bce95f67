import type { BoardListener, CircuitOpening, HealthBoard } from '../ports/health-board.ts'

// In-process twin of infra/redis/health-board.ts: one board shared by the replicas of one process
// (embedded mode has one; tests give one board to several routers).
export function createMemoryHealthBoard(options: { now?: () => number } = {}): HealthBoard {
  const now = options.now ?? Date.now
  const open = new Map<string, { until: number; openings: number }>()
  const trials = new Map<string, number>()
  const listeners = new Set<BoardListener>()
  return {
    async announce(backend, opening) {
      if (opening) open.set(backend, { until: now() + opening.cooldown_ms, openings: opening.openings })
      else open.delete(backend)
      trials.delete(backend)
      for (const listener of listeners) listener(backend, opening)
    },
    async openings() {
      const current = new Map<string, CircuitOpening>()
      for (const [backend, { until, openings }] of open) {
        if (until > now()) current.set(backend, { cooldown_ms: until - now(), openings })
      }
      return current
    },
    async listen(listener) {
      listeners.add(listener)
    },
    async takeTrial(backend, ttlMs) {
      if ((trials.get(backend) ?? 0) > now()) return false
      trials.set(backend, now() + ttlMs)
      return true
    },
    async releaseTrial(backend) {
      trials.delete(backend)
    },
    async close() {
      listeners.clear()
    },
  }
}
