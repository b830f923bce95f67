import { chmod, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { formatErrors } from '../../commands/reconcile/load-files.ts'
import { type Outcome, reconcile } from '../../commands/reconcile/reconcile.ts'
import { countOf, formatPlan } from '../../domain/tenants-as-code/plan-format.ts'
import type { Config } from '../../infra/config/config.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { reconcileDeps, secretLines } from './reconcile-wiring.ts'

// `aiaas reconcile --plan|--apply`: one reconciliation of the tenants repository, from the CLI.
// Exit codes (docs/tenants-as-code.md), in the spirit of terraform's -detailed-exitcode, 2 being
// taken by usage errors here: 0 nothing to change or applied, 1 failed (git, database, a command,
// a blocked change), 2 usage or invalid files (nothing applied), 3 the plan has changes.

export const RECONCILE_USAGE =
  'usage: aiaas reconcile --plan|--apply [--repo <path|url>] [--ref <branch|tag|sha>] [--secrets-out <file>]\n'

export const EXIT = { ok: 0, failed: 1, usage: 2, changes: 3 } as const

interface Options {
  mode: 'plan' | 'apply'
  repo: string
  ref: string
  secretsOut: string | undefined
}

const parse = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    options: {
      plan: { type: 'boolean' },
      apply: { type: 'boolean' },
      repo: { type: 'string' },
      ref: { type: 'string' },
      'secrets-out': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  })

function optionsOf(config: Config, argv: readonly string[]): Options | string {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
  const { plan, apply, repo, ref, 'secrets-out': secretsOut } = parsed.values
  if (plan === apply) return 'one of --plan and --apply'
  const source = repo ?? config.AIAAS_RECONCILER_REPO
  if (source === undefined) return 'no repository: --repo or AIAAS_RECONCILER_REPO'
  const target = ref ?? config.AIAAS_RECONCILER_REF
  if (target.startsWith('-')) return `--ref ${target} is not a ref`
  if (secretsOut !== undefined && plan) return '--secrets-out goes with --apply'
  return { mode: plan ? 'plan' : 'apply', repo: source, ref: target, secretsOut }
}

async function writeSecrets(outcome: Outcome, secretsOut: string | undefined) {
  if (outcome.result !== 'applied' && outcome.result !== 'failed') return
  if (outcome.keys.length === 0) return
  if (secretsOut === undefined) {
    // Shown once: the secret is stored nowhere, like the admin API's answer that issues a key.
    for (const key of outcome.keys) process.stdout.write(`secret of ${key.address}: ${key.key}\n`)
    return
  }
  await writeFile(secretsOut, secretLines(outcome.keys), { mode: 0o600 })
  await chmod(secretsOut, 0o600)
  process.stdout.write(`secrets of ${outcome.keys.length} new key(s) written to ${secretsOut}\n`)
}

function report(outcome: Outcome): number {
  if (outcome.result === 'invalid') {
    process.stderr.write(
      `${formatErrors(outcome.errors)}invalid files at ${outcome.commit}: nothing applied\n`,
    )
    return EXIT.usage
  }
  process.stdout.write(formatPlan(outcome.plan, outcome.commit))
  const blocked = countOf(outcome.plan).blocked > 0
  if (outcome.result === 'planned')
    return blocked ? EXIT.failed : outcome.plan.changes.length > 0 ? EXIT.changes : EXIT.ok
  if (outcome.result === 'failed') {
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error)
    process.stderr.write(`apply failed after ${outcome.applied} change(s): ${message}\n`)
    return EXIT.failed
  }
  process.stdout.write(`Applied ${outcome.applied} change(s) at ${outcome.commit}.\n`)
  return blocked ? EXIT.failed : EXIT.ok
}

export async function runReconcileCommand(config: Config, argv: readonly string[]): Promise<number> {
  const options = optionsOf(config, argv)
  if (typeof options === 'string') {
    process.stderr.write(`aiaas reconcile: ${options}\n${RECONCILE_USAGE}`)
    return EXIT.usage
  }
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  try {
    const outcome = await reconcile(reconcileDeps(config, db, options), options.mode, 'reconcile-cli')
    const code = report(outcome)
    await writeSecrets(outcome, options.secretsOut)
    return code
  } finally {
    await db.close()
  }
}
