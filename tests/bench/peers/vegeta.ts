import { z } from 'zod'
import type { HttpTarget, LoadFigures } from './wrk.ts'

// vegeta (open loop): requests leave on a fixed schedule whether or not earlier ones have answered.
// The targets file in vegeta's http format, and the parser of `vegeta report -type=json`. Pure.

export interface OpenLoopFigures extends LoadFigures {
  rate_per_s: number
  /** Requests the schedule called for that vegeta could not send (all its workers were waiting). */
  not_sent: number
}

/** One target in vegeta's http format; the body goes in its own file (`@path`). */
export function vegetaTargets(target: HttpTarget, bodyPath: string): string {
  const headers = Object.entries(target.headers).map(([name, value]) => `${name}: ${value}`)
  return [`POST ${target.url}`, ...headers, `@${bodyPath}`, ''].join('\n')
}

const nanoseconds = z.number().nonnegative()
const report = z.object({
  latencies: z.object({ '50th': nanoseconds, '99th': nanoseconds }),
  duration: nanoseconds,
  wait: nanoseconds,
  requests: z.number().int().nonnegative(),
  rate: z.number(),
  status_codes: z.record(z.string(), z.number().int().nonnegative()),
})

const ms = (ns: number) => Math.round(ns / 1000) / 1000

/**
 * The figures of one vegeta attack. Errors count every scheduled request that got no 2xx: answered
 * with another status, failed on the socket or timed out (status "0"), or never sent.
 */
export function parseVegeta(json: string, schedule: { ratePerS: number; seconds: number }): OpenLoopFigures {
  const run = report.parse(JSON.parse(json))
  const ok = Object.entries(run.status_codes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0)
  const seconds = (run.duration + run.wait) / 1e9
  const notSent = Math.max(0, Math.round(schedule.ratePerS * schedule.seconds) - run.requests)
  return {
    requests: run.requests,
    seconds,
    requests_per_s: seconds > 0 ? Math.round((ok / seconds) * 10) / 10 : 0,
    rate_per_s: Math.round(run.rate * 10) / 10,
    p50_ms: ms(run.latencies['50th']),
    p99_ms: ms(run.latencies['99th']),
    errors: run.requests - ok + notSent,
    not_sent: notSent,
  }
}

/** `vegeta attack` arguments: bounded workers (an overloaded peer cannot take every socket). */
export function vegetaAttackArgs(options: {
  targets: string
  ratePerS: number
  seconds: number
  output: string
}) {
  return [
    'attack',
    '-format=http',
    `-targets=${options.targets}`,
    `-rate=${options.ratePerS}/1s`,
    `-duration=${options.seconds}s`,
    '-timeout=5s',
    '-max-workers=1000',
    `-output=${options.output}`,
  ]
}
