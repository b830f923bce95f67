import type { RoutedBackend, Strategy } from '../models.ts'

// The order in which a request tries a model's backends. Pure: randomness and latencies come in.

export interface StrategyInputs {
  /** A number in [0, 1), Math.random in production. */
  random: () => number
  /** Smoothed time to first byte of a backend in ms, undefined when not measured yet. */
  latencyOf: (id: string) => number | undefined
}

/** Weighted random order without replacement: each draw picks a backend in proportion to its weight. */
export function weightedOrder(backends: readonly RoutedBackend[], random: () => number): RoutedBackend[] {
  const left = [...backends]
  const order: RoutedBackend[] = []
  while (left.length > 0) {
    const total = left.reduce((sum, b) => sum + b.weight, 0)
    // All remaining weights 0: they are last resorts, taken in the order listed.
    let index = 0
    if (total > 0) {
      let point = random() * total
      index = left.findIndex((b) => {
        point -= b.weight
        return point < 0 && b.weight > 0
      })
      if (index === -1) index = left.findLastIndex((b) => b.weight > 0)
    }
    order.push(...left.splice(index, 1))
  }
  return order
}

/** Lowest priority value first; weighted random order among backends of one priority. */
function priorityOrder(backends: readonly RoutedBackend[], random: () => number): RoutedBackend[] {
  const levels = [...new Set(backends.map((b) => b.priority))].sort((a, b) => a - b)
  return levels.flatMap((level) =>
    weightedOrder(
      backends.filter((b) => b.priority === level),
      random,
    ),
  )
}

/**
 * Fastest smoothed time to first byte first. A backend not measured yet goes first, so every
 * backend gets measured; ties keep the weighted order.
 */
function latencyOrder(backends: readonly RoutedBackend[], inputs: StrategyInputs): RoutedBackend[] {
  const latency = (b: RoutedBackend) => inputs.latencyOf(b.id) ?? -1
  return weightedOrder(backends, inputs.random).sort((a, b) => latency(a) - latency(b))
}

export function orderBackends(
  strategy: Strategy,
  backends: readonly RoutedBackend[],
  inputs: StrategyInputs,
): RoutedBackend[] {
  switch (strategy) {
    case 'weighted':
      return weightedOrder(backends, inputs.random)
    case 'priority':
      return priorityOrder(backends, inputs.random)
    case 'least_latency':
      return latencyOrder(backends, inputs)
    default: {
      const unknown: never = strategy
      throw new Error(`unknown strategy ${String(unknown)}`)
    }
  }
}
