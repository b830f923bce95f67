import { percentile } from '../measure.ts'
import type { OpenLoopFigures } from './vegeta.ts'
import type { LoadFigures } from './wrk.ts'

// What `make bench-peers` prints: each peer's rounds folded into one figure per scenario, a table,
// and the ratios issue 12 sets targets on. Pure.

export interface TtfbRound {
  /** Time to the first body byte of each streamed request, ms. */
  samples_ms: number[]
  errors: number
}

/** One peer's measurements, a list per scenario with one entry per round. */
export interface PeerRounds {
  id: string
  label: string
  closed: Record<number, LoadFigures[]>
  open: Record<number, OpenLoopFigures[]>
  ttfb: TtfbRound[]
}

export interface Figures {
  p50_ms: number
  p99_ms: number
  requests_per_s: number
  errors: number
}

export interface TtfbFigures {
  /** null when no stream completed. */
  p50_ms: number | null
  p99_ms: number | null
  streams: number
  errors: number
}

export interface PeerSummary {
  id: string
  label: string
  closed: Record<number, Figures>
  open: Record<number, Figures>
  ttfb: TtfbFigures | null
}

const round3 = (value: number) => Math.round(value * 1000) / 1000
const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  )

/**
 * Rounds folded: requests/s over the rounds' total time, errors summed; a percentile cannot be
 * merged from percentiles, so p50 and p99 are the median of the rounds' (wrk and vegeta keep
 * their distributions to themselves).
 */
export function fold(rounds: readonly LoadFigures[]): Figures {
  const requests = rounds.reduce((sum, run) => sum + run.requests_per_s * run.seconds, 0)
  const seconds = rounds.reduce((sum, run) => sum + run.seconds, 0)
  return {
    p50_ms: round3(median(rounds.map((run) => run.p50_ms))),
    p99_ms: round3(median(rounds.map((run) => run.p99_ms))),
    requests_per_s: seconds > 0 ? Math.round((requests / seconds) * 10) / 10 : 0,
    errors: rounds.reduce((sum, run) => sum + run.errors, 0),
  }
}

/** Streamed requests go one at a time, so every sample is kept and the percentiles are exact. */
export function foldTtfb(rounds: readonly TtfbRound[]): TtfbFigures | null {
  const samples = rounds.flatMap((run) => run.samples_ms).sort((a, b) => a - b)
  const errors = rounds.reduce((sum, run) => sum + run.errors, 0)
  if (samples.length === 0 && errors === 0) return null
  const none = samples.length === 0
  return {
    p50_ms: none ? null : round3(percentile(samples, 50)),
    p99_ms: none ? null : round3(percentile(samples, 99)),
    streams: samples.length,
    errors,
  }
}

const foldEach = <T extends LoadFigures>(scenarios: Record<number, T[]>) =>
  Object.fromEntries(
    Object.entries(scenarios)
      .filter(([, rounds]) => rounds.length > 0)
      .map(([key, rounds]) => [key, fold(rounds)]),
  )

export function summarize(peer: PeerRounds): PeerSummary {
  return {
    id: peer.id,
    label: peer.label,
    closed: foldEach(peer.closed),
    open: foldEach(peer.open),
    ttfb: foldTtfb(peer.ttfb),
  }
}

const errorsOf = (figures: { errors: number }) => (figures.errors ? `, ${figures.errors} errors` : '')
const cell = (figures: Figures | undefined) =>
  figures
    ? `p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, ${figures.requests_per_s}/s${errorsOf(figures)}`
    : '–'
const ttfbCell = (figures: TtfbFigures | null) => {
  if (!figures) return '–'
  if (figures.p50_ms === null) return `no stream completed${errorsOf(figures)}`
  return `p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms${errorsOf(figures)}`
}

/** A markdown table: a row per scenario, a column per peer (the shape of issue 12's table). */
export function markdownTable(
  peers: readonly PeerSummary[],
  scenarios: { connections: readonly number[]; rates: readonly number[] },
): string {
  const header = `| scenario | ${peers.map((peer) => peer.label).join(' | ')} |`
  const rule = `|---|${peers.map(() => '---|').join('')}`
  const rows = [
    ...scenarios.connections.map(
      (c) =>
        `| wrk, ${c} connection${c === 1 ? '' : 's'} | ${peers.map((p) => cell(p.closed[c])).join(' | ')} |`,
    ),
    ...scenarios.rates.map(
      (rate) =>
        `| vegeta, ${rate.toLocaleString('en')}/s | ${peers.map((p) => cell(p.open[rate])).join(' | ')} |`,
    ),
    `| streamed, time to first byte | ${peers.map((p) => ttfbCell(p.ttfb)).join(' | ')} |`,
  ]
  return [header, rule, ...rows].join('\n')
}
