import type { PeerSummary } from './report.ts'

/** A peer's summary with the figures the ratios read; unit tests only. */
export const peer = (
  id: string,
  c1p50: number,
  c32rps: number,
  p99at1000: number,
  ttfbP50?: number,
): PeerSummary => ({
  id,
  label: id,
  closed: {
    1: { p50_ms: c1p50, p99_ms: 1, requests_per_s: 1000, errors: 0 },
    32: { p50_ms: 1, p99_ms: 2, requests_per_s: c32rps, errors: 0 },
  },
  open: { 1000: { p50_ms: 0.3, p99_ms: p99at1000, requests_per_s: 1000, errors: 0 } },
  ttfb: ttfbP50 === undefined ? null : { p50_ms: ttfbP50, p99_ms: 2, streams: 10, errors: 0 },
})
