import { join, resolve } from 'node:path'
import { failureLines, tierLine, totalLine } from './summary.ts'
import { ALL_TIERS, freshReportsDir, isTierName, runTier, type TierResult } from './tier.ts'

// `make test` and .ci/run: every tier runs even when an earlier one failed, so one flaky int test
// cannot hide the e2e results. One line per tier, then the `N passed, N failed` line CI reads last.
// Usage: node infra/ci/tiers.ts [tier...]   (default: typecheck lint policy unit int e2e)

const root = resolve(import.meta.dirname, '..', '..')
const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !isTierName(name))
if (unknown.length > 0) {
  console.error(`unknown tier ${unknown.join(', ')}; tiers: ${ALL_TIERS.join(' ')}`)
  process.exit(2)
}
const tiers = asked.length > 0 ? asked.filter(isTierName) : ALL_TIERS

const reports = await freshReportsDir(root, 'tiers')
const results: TierResult[] = []
for (const tier of tiers) results.push(await runTier(tier, root, join(reports, `${tier}.json`)))
console.log('')
for (const result of results) console.log(tierLine(result))
for (const line of failureLines(results)) console.log(line)
console.log(totalLine(results))
process.exitCode = results.every((result) => result.passed) ? 0 : 1
