import { describe, expect, it } from 'vitest'
import { testOutcomes } from '../../../infra/ci/vitest-report.ts'

const file = (name: string, status: string, tests: Array<[string, string]>, message = '') => ({
  name: `/repo/${name}`,
  status,
  message,
  assertionResults: tests.map(([fullName, testStatus]) => ({
    fullName,
    status: testStatus,
    failureMessages:
      testStatus === 'failed' ? ['AssertionError: expected 0 to be greater than 0\n    at x.ts:1'] : [],
  })),
})

describe('testOutcomes (vitest JSON report)', () => {
  it('names each test by file and full name, counts only tests that ran, and says why one failed', () => {
    const report = {
      testResults: [
        file('tests/a.int.test.ts', 'failed', [
          ['a works', 'passed'],
          ['a breaks', 'failed'],
          ['a later', 'skipped'],
        ]),
      ],
    }
    expect(testOutcomes(report, '/repo')).toEqual([
      { id: 'tests/a.int.test.ts > a works', failed: false },
      {
        id: 'tests/a.int.test.ts > a breaks',
        failed: true,
        reason: 'AssertionError: expected 0 to be greater than 0',
      },
    ])
  })

  it('counts a file that failed without a failing test (import error, hook) as one failure', () => {
    const report = {
      testResults: [file('tests/b.int.test.ts', 'failed', [], 'Cannot find module x\n  at y')],
    }
    expect(testOutcomes(report, '/repo')).toEqual([
      { id: 'tests/b.int.test.ts (file: Cannot find module x)', failed: true },
    ])
  })

  it('refuses a report of another shape instead of counting zero tests', () => {
    expect(() => testOutcomes({ results: [] }, '/repo')).toThrow()
  })
})
