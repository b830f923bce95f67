import { join, resolve } from 'node:path'
import { failureCounts, tierLine, totalLine } from './summary.ts'
import { freshReportsDir, runTier, type TierName, type TierResult } from './tier.ts'

// `make test-repeat N=5`: the int and e2e tiers N times in a row, then how often each test failed.
// A flake that shows once in five runs is a flake: any failure makes the exit code non-zero.
// Usage: node infra/ci/repeat.ts [N [file...]]   (default 5; files narrow the run, as for vitest)

const REPEATED: readonly TierName[] = ['int', 'e2e']
const root = resolve(import.meta.dirname, '..', '..')
const runs = Number(process.argv[2] ?? 5)
const files = process.argv.slice(3)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`N must be a positive integer, not ${process.argv[2]}`)
  process.exit(2)
}

const reports = await freshReportsDir(root, 'repeat')
const results: TierResult[] = []
const lines: string[] = []
for (let run = 1; run <= runs; run++) {
  for (const tier of REPEATED) {
    const result = await runTier(tier, root, join(reports, `${run}-${tier}.json`), files)
    results.push(result)
    lines.push(`run ${run}/${runs} ${tierLine(result)}`)
    console.log(lines.at(-1))
  }
}
console.log('')
for (const line of lines) console.log(line)
const failures = failureCounts(results)
const inRuns = `in ${runs} run${runs === 1 ? '' : 's'}`
console.log(failures.length === 0 ? `no test failed ${inRuns}` : `failures per test, ${inRuns}:`)
for (const { id, failures: count } of failures) console.log(`  ${count}/${runs}  ${id}`)
console.log(totalLine(results))
process.exitCode = failures.length === 0 ? 0 : 1
