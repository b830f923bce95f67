import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bucketOf,
  HISTOGRAM_BOUNDS,
  histogramOf,
  mergeHistograms,
  percentileOf,
} from '../../../domain/usage/histogram.ts'

const latency = fc.double({ min: 0, max: 2_000_000, noNaN: true })

/** The exact nearest-rank percentile of values. */
function exactPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number
}

describe('latency histograms', () => {
  it('put a value in the bucket whose bounds hold it', () => {
    expect(bucketOf(0)).toBe(0)
    expect(bucketOf(0.125)).toBe(1)
    expect(bucketOf(1)).toBe(HISTOGRAM_BOUNDS.indexOf(1) + 1)
    expect(bucketOf(1e9)).toBe(HISTOGRAM_BOUNDS.length)
    fc.assert(
      fc.property(latency, (value) => {
        const bucket = bucketOf(value)
        expect(bucket === 0 || (HISTOGRAM_BOUNDS[bucket - 1] as number) <= value).toBe(true)
        expect(bucket === HISTOGRAM_BOUNDS.length || value < (HISTOGRAM_BOUNDS[bucket] as number)).toBe(true)
      }),
    )
  })

  it('merge exactly: the histogram of two parts is the sum of theirs, in any split', () => {
    fc.assert(
      fc.property(fc.array(latency), fc.array(latency), (a, b) => {
        expect(mergeHistograms(histogramOf(a), histogramOf(b))).toEqual(histogramOf([...a, ...b]))
      }),
    )
  })

  it('read a percentile within 6.25% of the exact one (inside the bounds)', () => {
    const inside = fc.double({ min: 0.125, max: 900_000, noNaN: true })
    const quantile = fc.constantFrom(0.5, 0.95, 0.99)
    fc.assert(
      fc.property(fc.array(inside, { minLength: 1, maxLength: 200 }), quantile, (values, q) => {
        const estimate = percentileOf(histogramOf(values), q) as number
        const exact = exactPercentile(values, q)
        expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(0.0625)
      }),
    )
  })

  it('has no percentile when empty', () => {
    expect(percentileOf([], 0.5)).toBeNull()
    expect(histogramOf([])).toEqual([])
  })
})
