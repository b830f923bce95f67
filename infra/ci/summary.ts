import type { TierResult } from './tier.ts'
import type { TestOutcome } from './vitest-report.ts'

/**
 * What a tier counts for in the totals: each test of a vitest tier; typecheck and lint one check
 * each. A tier whose command failed with no failing test (vitest crashed, or reported an unhandled
 * error) gets one more failed entry, so a total never says "0 failed" about a red run.
 */
export function outcomesOf(result: TierResult): TestOutcome[] {
  const whole = { id: `tier ${result.tier}`, failed: !result.passed }
  if (result.tests === undefined) return [whole]
  if (result.passed || result.tests.some((test) => test.failed)) return result.tests
  return [...result.tests, { id: `tier ${result.tier}: the run itself failed`, failed: true }]
}

const failedIn = (outcomes: readonly TestOutcome[]) => outcomes.filter((test) => test.failed).length

/** `tier unit: passed (117 tests, 21 s)` or `tier int: FAILED (2 of 80 tests failed, 95 s)`. */
export function tierLine(result: TierResult): string {
  const seconds = `${Math.round(result.seconds)} s`
  const verdict = result.passed ? 'passed' : 'FAILED'
  if (result.tests === undefined) return `tier ${result.tier}: ${verdict} (${seconds})`
  const total = result.tests.length
  if (result.passed) return `tier ${result.tier}: passed (${total} tests, ${seconds})`
  const failed = failedIn(result.tests)
  const what = failed > 0 ? `${failed} of ${total} tests failed` : `the run itself failed, ${total} tests ran`
  return `tier ${result.tier}: FAILED (${what}, ${seconds})`
}

/** One line per failed test with the first line of why, so the tail of a red run names them. */
export function failureLines(results: readonly TierResult[]): string[] {
  return results
    .flatMap(outcomesOf)
    .filter((test) => test.failed)
    .map((test) => `  failed: ${test.id}${test.reason ? ` — ${test.reason}` : ''}`)
}

/** The closing line CI reads: `N passed, N failed`, summed over every tier (outcomesOf). */
export function totalLine(results: readonly TierResult[]): string {
  const outcomes = results.flatMap(outcomesOf)
  const failed = failedIn(outcomes)
  return `${outcomes.length - failed} passed, ${failed} failed`
}

/** Failures per test over repeated runs, most frequent first; tests that never failed are left out. */
export function failureCounts(results: readonly TierResult[]): Array<{ id: string; failures: number }> {
  const failures = new Map<string, number>()
  for (const outcome of results.flatMap(outcomesOf)) {
    if (outcome.failed) failures.set(outcome.id, (failures.get(outcome.id) ?? 0) + 1)
  }
  return [...failures]
    .map(([id, count]) => ({ id, failures: count }))
    .sort((a, b) => b.failures - a.failures || a.id.localeCompare(b.id))
}
