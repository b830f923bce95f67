import { spawn } from 'node:child_process'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { readOutcomes, type TestOutcome } from './vitest-report.ts'

export type TierName = 'typecheck' | 'lint' | 'policy' | 'unit' | 'int' | 'e2e'
export const ALL_TIERS: readonly TierName[] = ['typecheck', 'lint', 'policy', 'unit', 'int', 'e2e']
const VITEST_TIERS = new Set<TierName>(['unit', 'int', 'e2e'])

export const isTierName = (name: string): name is TierName => (ALL_TIERS as readonly string[]).includes(name)

/**
 * An emptied directory for one run's vitest JSON reports, kept after the run (vitest prints where
 * each report is; it should still be there to read). Under node_modules/.cache: ignored by git.
 */
export async function freshReportsDir(root: string, name: string): Promise<string> {
  const dir = join(root, 'node_modules', '.cache', 'aiaas-ci', name)
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  return dir
}

export interface TierResult {
  tier: TierName
  /** The command's exit code was 0. */
  passed: boolean
  /** Each test of a vitest tier; undefined for typecheck and lint, which count as one check. */
  tests: TestOutcome[] | undefined
  seconds: number
}

/**
 * Runs one tier with its output on our stdout; vitest tiers also write a JSON report to reportPath.
 * `files` narrows a vitest tier to those paths (a tier with none of them then passes empty).
 */
export async function runTier(
  tier: TierName,
  root: string,
  reportPath: string,
  files: readonly string[] = [],
): Promise<TierResult> {
  const started = performance.now()
  const [command, ...args] = commandOf(tier, reportPath, files)
  const code = await run(command!, args, root)
  const seconds = (performance.now() - started) / 1000
  if (!VITEST_TIERS.has(tier)) return { tier, passed: code === 0, tests: undefined, seconds }
  try {
    return { tier, passed: code === 0, tests: (await readOutcomes(reportPath, root)) ?? [], seconds }
  } catch (error) {
    // A report we cannot read must not end the run before the other tiers and the total line.
    console.error(`tier ${tier}: unreadable vitest report: ${error instanceof Error ? error.message : error}`)
    return { tier, passed: false, tests: [], seconds }
  }
}

function commandOf(tier: TierName, reportPath: string, files: readonly string[]): string[] {
  switch (tier) {
    case 'typecheck':
      // The console (browser code, its own tsconfig) is checked after the server code.
      return ['sh', '-c', 'tsc --noEmit -p . && tsc --noEmit -p gateways/console']
    case 'lint':
      return ['biome', 'check', '.']
    case 'policy':
      // `opa test` of the authorization policy (docs/security.md), with the CLI infra/services installs.
      return [process.env.AIAAS_OPA_BIN ?? 'infra/services/.state/bin/opa', 'test', 'domain/authorization']
    case 'unit':
    case 'int':
    case 'e2e':
      return [
        'vitest',
        'run',
        '--project',
        tier,
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${reportPath}`,
        ...(files.length > 0 ? ['--passWithNoTests', ...files] : []),
      ]
    default: {
      const unknown: never = tier
      throw new Error(`unknown tier ${unknown}`)
    }
  }
}

// The project's own tools (node_modules/.bin) first, as the Makefile does, so the script also
// works when started directly.
function run(command: string, args: string[], root: string): Promise<number> {
  const PATH = [join(root, 'node_modules', '.bin'), process.env.PATH].join(':')
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, PATH } })
    child.on('error', (error) => {
      console.error(`${command}: ${error.message}`)
      resolve(127)
    })
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
}
