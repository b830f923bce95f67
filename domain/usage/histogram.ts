// Mergeable latency histograms: fixed log-scale buckets, the same in every rollup, so an hour's
// histogram is the exact sum of its minutes' and a percentile of a day comes from the merged
// distribution, never from averaged percentiles (docs/adr/0021-analytics-storage.md).
//
// Bounds are m/8 × 2^e ms for m = 8..15 and e = -3..19: eight buckets per doubling (each at most
// 12.5% wide, so a percentile read at a bucket's middle is within ±6.25% of the true value), from
// 0.125 ms to 16 minutes (983,040 ms). Every bound is a dyadic rational, exact in a double: PostgreSQL's
// width_bucket over the same literals (migration 0500, usage_hist_bounds) puts a value in the same
// bucket as bucketOf here, which a test checks.

const SUB_BUCKETS = 8
const MIN_EXPONENT = -3
const MAX_EXPONENT = 19

function buildBounds(): number[] {
  const bounds: number[] = []
  for (let e = MIN_EXPONENT; e <= MAX_EXPONENT; e++) {
    for (let m = SUB_BUCKETS; m < 2 * SUB_BUCKETS; m++) bounds.push((m / SUB_BUCKETS) * 2 ** e)
  }
  return bounds
}

/** Ascending lower bounds of buckets 1..n; bucket 0 holds values below the first. */
export const HISTOGRAM_BOUNDS: readonly number[] = Object.freeze(buildBounds())

/** Counts per bucket index; trailing zero buckets are left off, so `[]` is the empty histogram. */
export type Histogram = readonly number[]

/** The bucket of a value in ms: the number of bounds ≤ value (PostgreSQL's width_bucket). */
export function bucketOf(valueMs: number): number {
  let low = 0
  let high = HISTOGRAM_BOUNDS.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if ((HISTOGRAM_BOUNDS[mid] as number) <= valueMs) low = mid + 1
    else high = mid
  }
  return low
}

function trimmed(counts: number[]): number[] {
  let end = counts.length
  while (end > 0 && counts[end - 1] === 0) end--
  counts.length = end
  return counts
}

/** The histogram of values (ms). */
export function histogramOf(valuesMs: Iterable<number>): Histogram {
  const counts: number[] = []
  for (const value of valuesMs) {
    const bucket = bucketOf(value)
    while (counts.length <= bucket) counts.push(0)
    counts[bucket] = (counts[bucket] as number) + 1
  }
  return trimmed(counts)
}

/** The exact sum of two histograms (bucket by bucket). */
export function mergeHistograms(a: Histogram, b: Histogram): Histogram {
  const counts: number[] = []
  for (let i = 0; i < Math.max(a.length, b.length); i++) counts.push((a[i] ?? 0) + (b[i] ?? 0))
  return trimmed(counts)
}

export const countOf = (histogram: Histogram): number => histogram.reduce((sum, n) => sum + n, 0)

/** A bucket's representative value: its middle; the first bucket half its bound, the last its bound. */
function valueOfBucket(bucket: number): number {
  const first = HISTOGRAM_BOUNDS[0] as number
  if (bucket === 0) return first / 2
  const low = HISTOGRAM_BOUNDS[bucket - 1] as number
  const high = HISTOGRAM_BOUNDS[bucket]
  return high === undefined ? low : (low + high) / 2
}

/**
 * The q-quantile (0 < q ≤ 1) by nearest rank, read at its bucket's middle (±6.25%); null for an
 * empty histogram.
 */
export function percentileOf(histogram: Histogram, q: number): number | null {
  const total = countOf(histogram)
  if (total === 0) return null
  const rank = Math.max(1, Math.ceil(q * total))
  let seen = 0
  for (let bucket = 0; bucket < histogram.length; bucket++) {
    seen += histogram[bucket] as number
    if (seen >= rank) return valueOfBucket(bucket)
  }
  return valueOfBucket(histogram.length - 1)
}
