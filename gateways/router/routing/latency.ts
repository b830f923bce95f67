// Smoothed time to first byte per backend, for the least_latency strategy. Kept per replica on
// purpose: latency is what this replica sees from where it runs, and sharing it would cost a
// round trip for a number that changes on every request.

/** Weight of the newest sample: about the last ten requests dominate. */
const ALPHA = 0.2

export interface LatencyTracker {
  observe(id: string, ms: number): void
  latencyOf(id: string): number | undefined
}

export function createLatencyTracker(alpha = ALPHA): LatencyTracker {
  const ewma = new Map<string, number>()
  return {
    observe(id, ms) {
      const previous = ewma.get(id)
      ewma.set(id, previous === undefined ? ms : previous + alpha * (ms - previous))
    },
    latencyOf: (id) => ewma.get(id),
  }
}
