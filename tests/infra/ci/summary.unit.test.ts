import { describe, expect, it } from 'vitest'
import { failureCounts, failureLines, tierLine, totalLine } from '../../../infra/ci/summary.ts'
import type { TierResult } from '../../../infra/ci/tier.ts'

const tests = (passed: number, failed: string[] = []) => [
  ...Array.from({ length: passed }, (_, i) => ({ id: `ok ${i}`, failed: false })),
  ...failed.map((id) => ({ id, failed: true })),
]
const unit: TierResult = { tier: 'unit', passed: true, tests: tests(117), seconds: 21.2 }
const int: TierResult = { tier: 'int', passed: false, tests: tests(78, ['spool', 'bus']), seconds: 95 }
const lintFailed: TierResult = { tier: 'lint', passed: false, tests: undefined, seconds: 3 }
const crashed: TierResult = { tier: 'e2e', passed: false, tests: [], seconds: 4 }

describe('CI summary', () => {
  it('prints one line per tier', () => {
    expect(tierLine(unit)).toBe('tier unit: passed (117 tests, 21 s)')
    expect(tierLine(int)).toBe('tier int: FAILED (2 of 80 tests failed, 95 s)')
    expect(tierLine(lintFailed)).toBe('tier lint: FAILED (3 s)')
    expect(tierLine(crashed)).toBe('tier e2e: FAILED (the run itself failed, 0 tests ran, 4 s)')
  })

  it('ends with `N passed, N failed` summed over tiers; a red tier never adds 0 failures', () => {
    expect(totalLine([unit])).toBe('117 passed, 0 failed')
    expect(totalLine([unit, int, lintFailed, crashed])).toBe('195 passed, 4 failed')
  })

  it('names each failed test with why, so the tail of a red run says what broke', () => {
    const why: TierResult = {
      ...int,
      tests: [...tests(1), { id: 'a > b', failed: true, reason: 'expected 0' }],
    }
    expect(failureLines([unit, why, lintFailed])).toEqual([
      '  failed: a > b — expected 0',
      '  failed: tier lint',
    ])
  })

  it('counts failures per test over repeated runs, most frequent first', () => {
    const again: TierResult = { ...int, tests: tests(79, ['spool']) }
    expect(failureCounts([int, again, unit, crashed])).toEqual([
      { id: 'spool', failures: 2 },
      { id: 'bus', failures: 1 },
      { id: 'tier e2e: the run itself failed', failures: 1 },
    ])
  })
})
