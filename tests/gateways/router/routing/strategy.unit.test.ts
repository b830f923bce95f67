import { describe, expect, it } from 'vitest'
import type { RoutedBackend } from '../../../../gateways/router/models.ts'
import { createLatencyTracker } from '../../../../gateways/router/routing/latency.ts'
import { orderBackends, weightedOrder } from '../../../../gateways/router/routing/strategy.ts'

const backend = (id: string, over: Partial<RoutedBackend> = {}): RoutedBackend => ({
  id,
  url: `http://${id}.example.com/v1`,
  provider: 'vllm',
  weight: 1,
  priority: 0,
  timeout_ms: 1000,
  headers: {},
  upstream_model: 'm',
  max_output_tokens: 1024,
  ...over,
})

/** A seeded generator (mulberry32), so counts over many draws are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const firsts = (order: () => RoutedBackend[], draws: number) => {
  const counts: Record<string, number> = {}
  for (let i = 0; i < draws; i++) {
    const id = order()[0]?.id ?? ''
    counts[id] = (counts[id] ?? 0) + 1
  }
  return counts
}

const noLatency = { latencyOf: () => undefined }

describe('routing strategies', () => {
  it('weighted: each backend goes first in proportion to its weight; weight 0 only as a last resort', () => {
    const backends = [backend('a', { weight: 3 }), backend('b', { weight: 1 }), backend('z', { weight: 0 })]
    const random = seeded(7)
    const counts = firsts(() => orderBackends('weighted', backends, { random, ...noLatency }), 4000)
    expect(counts.z).toBeUndefined()
    expect((counts.a ?? 0) / 4000).toBeGreaterThan(0.7)
    expect((counts.a ?? 0) / 4000).toBeLessThan(0.8)
    expect(weightedOrder(backends, () => 0.99).map((b) => b.id)).toEqual(['b', 'a', 'z'])
  })

  it('every order holds each backend exactly once', () => {
    const backends = [backend('a', { weight: 2 }), backend('b', { priority: 1 }), backend('c', { weight: 0 })]
    for (const strategy of ['weighted', 'priority', 'least_latency'] as const) {
      const order = orderBackends(strategy, backends, { random: seeded(1), ...noLatency })
      expect(order.map((b) => b.id).sort()).toEqual(['a', 'b', 'c'])
    }
  })

  it('priority: the lowest priority value first, whatever the weights; weighted within one priority', () => {
    const backends = [
      backend('backup', { priority: 5, weight: 100 }),
      backend('p1'),
      backend('p2', { weight: 3 }),
    ]
    const random = seeded(3)
    const counts = firsts(() => orderBackends('priority', backends, { random, ...noLatency }), 2000)
    expect(counts.backup).toBeUndefined()
    expect(counts.p2).toBeGreaterThan(counts.p1 ?? 0)
    expect(orderBackends('priority', backends, { random, ...noLatency }).at(-1)?.id).toBe('backup')
  })

  it('least_latency: the smallest smoothed time to first byte first; an unmeasured backend before any', () => {
    const latency = createLatencyTracker()
    latency.observe('slow', 900)
    latency.observe('fast', 100)
    const order = (ids: string[]) =>
      orderBackends(
        'least_latency',
        ids.map((id) => backend(id)),
        { random: seeded(5), latencyOf: latency.latencyOf },
      ).map((b) => b.id)
    expect(order(['slow', 'fast'])).toEqual(['fast', 'slow'])
    expect(order(['slow', 'fast', 'new'])).toEqual(['new', 'fast', 'slow'])
    // The average moves with new samples: the once-fast backend slows down and loses its place.
    for (let i = 0; i < 20; i++) latency.observe('fast', 2000)
    expect(order(['slow', 'fast'])).toEqual(['slow', 'fast'])
  })
})
