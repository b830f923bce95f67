import type { PeerSummary } from './report.ts'

// Issue 12's targets, as ratios of figures taken in the same run (so a loaded machine weighs on
// both sides). Pure: a missing figure (a peer left out, a scenario not run) gives no value and says
// which, never a made-up one.

export interface Ratio {
  name: string
  value: number | null
  unit: 'ms' | '×'
  /** The issue's target, e.g. "<= 0.25"; null where it sets none. */
  target: string | null
  met: boolean | null
  missing?: string
  /** Errors behind either figure: the ratio then compares runs that did not all succeed. */
  errors?: string
}

type Figure = 'p50_ms' | 'p99_ms' | 'requests_per_s'
type Pick = (
  peer: PeerSummary,
) => (Partial<Record<Figure, number | null>> & { errors: number }) | null | undefined

const closedAt =
  (connections: number): Pick =>
  (peer) =>
    peer.closed[connections]
const openAt =
  (rate: number): Pick =>
  (peer) =>
    peer.open[rate]
const ttfb: Pick = (peer) => peer.ttfb

interface Spec {
  name: string
  unit: 'ms' | '×'
  target: { at: 'most' | 'least'; value: number } | null
  pick: Pick
  figure: Figure
  /** The peer compared against; "ms" subtracts it, "×" divides by it. */
  against: string
}

function ratio(
  spec: Spec,
  subject: PeerSummary | undefined,
  base: PeerSummary | undefined,
  subjectId: string,
): Ratio {
  const target = spec.target ? `${spec.target.at === 'most' ? '<=' : '>='} ${spec.target.value}` : null
  const mine = subject ? spec.pick(subject) : undefined
  const theirs = base ? spec.pick(base) : undefined
  const [a, b] = [mine?.[spec.figure], theirs?.[spec.figure]]
  const result = { name: spec.name, unit: spec.unit, target }
  if (a === undefined || a === null || b === undefined || b === null) {
    const missing = a === undefined || a === null ? subjectId : spec.against
    return { ...result, value: null, met: null, missing: `no figure for ${missing}` }
  }
  if (spec.unit === '×' && b === 0)
    return { ...result, value: null, met: null, missing: `${spec.against} at 0` }
  const value = Math.round((spec.unit === 'ms' ? a - b : a / b) * 1000) / 1000
  const met = spec.target
    ? spec.target.at === 'most'
      ? value <= spec.target.value
      : value >= spec.target.value
    : null
  const erred = [
    [subjectId, mine?.errors ?? 0],
    [spec.against, theirs?.errors ?? 0],
  ].filter(([, count]) => Number(count) > 0)
  const errors = erred.map(([id, count]) => `${id} had ${count} errors`).join(', ')
  return { ...result, value, met, ...(errors ? { errors } : {}) }
}

function specsFor(mode: 'embedded' | 'production', litellmCores: string): Spec[] {
  const at32 = { unit: '×' as const, pick: closedAt(32), figure: 'requests_per_s' as const }
  return [
    {
      name: `${mode}: added p50 over direct, 1 connection`,
      unit: 'ms',
      target: { at: 'most', value: 0.25 },
      pick: closedAt(1),
      figure: 'p50_ms',
      against: 'direct',
    },
    {
      name: `${mode}: req/s at 32 connections ÷ bare proxy`,
      ...at32,
      target: { at: 'least', value: mode === 'embedded' ? 0.6 : 0.4 },
      against: 'bare-proxy',
    },
    {
      name: `${mode}: req/s at 32 connections ÷ Portkey`,
      ...at32,
      target: { at: 'least', value: 3 },
      against: 'portkey',
    },
    {
      name: `${mode}: req/s at 32 connections ÷ LiteLLM (1 worker)`,
      ...at32,
      target: { at: 'least', value: 30 },
      against: 'litellm-1',
    },
    {
      name: `${mode}: req/s at 32 connections ÷ LiteLLM (${litellmCores})`,
      ...at32,
      target: null,
      against: 'litellm-cores',
    },
    {
      name: `${mode}: added p99 over direct at 1,000/s`,
      unit: 'ms',
      target: { at: 'most', value: 2 },
      pick: openAt(1000),
      figure: 'p99_ms',
      against: 'direct',
    },
    {
      name: `${mode}: added time to first byte p50 over direct`,
      unit: 'ms',
      target: { at: 'most', value: 0.3 },
      pick: ttfb,
      figure: 'p50_ms',
      against: 'direct',
    },
  ]
}

/** The ratios for both AIaaS modes, by peer id (aiaas-embedded, aiaas-production, direct, …). */
export function issueRatios(peers: readonly PeerSummary[], litellmCores = 'a worker per core'): Ratio[] {
  const byId = new Map(peers.map((peer) => [peer.id, peer]))
  return (['embedded', 'production'] as const).flatMap((mode) =>
    specsFor(mode, litellmCores).map((spec) =>
      ratio(spec, byId.get(`aiaas-${mode}`), byId.get(spec.against), `aiaas-${mode}`),
    ),
  )
}

export function ratioLines(ratios: readonly Ratio[]): string[] {
  return ratios.map((r) => {
    const value = r.value === null ? `n/a (${r.missing})` : `${r.value}${r.unit === 'ms' ? ' ms' : '×'}`
    const verdict = r.met === null ? '' : r.met ? '  met' : '  missed'
    const errors = r.errors ? `  [${r.errors}]` : ''
    return `${r.name}: ${value}${r.target ? `  (target ${r.target})` : ''}${verdict}${errors}`
  })
}
