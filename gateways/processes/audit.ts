import type { Config } from '../../infra/config/config.ts'
import { type ChainReport, verifyChain } from '../../infra/event-store/chain-verify.ts'
import { describeChainReport } from '../cli/chain-report.ts'
import { runAnchor, runRotateAnchorKey, runVerifyAnchors } from './audit-anchor.ts'
import { runCheck } from './audit-check.ts'
import { runReplay } from './audit-replay.ts'

/** One `aiaas audit <name> …` subcommand: its usage line and what runs it (exit code back). */
interface AuditSubcommand {
  about: string
  run(config: Config, args: readonly string[]): Promise<number>
}

async function runVerify(config: Config, args: readonly string[]): Promise<number> {
  if (args.length > 0) return usageError()
  return runCheck<ChainReport>(config, (db) => verifyChain(db), describeChainReport)
}

// Each subcommand is one entry here; its code lives in a file of its own (audit-*.ts).
const SUBCOMMANDS: Record<string, AuditSubcommand> = {
  verify: { about: 'recomputes the event chain; exit 0 intact, 1 broken (docs/audit.md)', run: runVerify },
  anchor: { about: 'signs the chain head and writes it to the S3 store (needs AIAAS_KEK)', run: runAnchor },
  'verify-anchors': {
    about: 'recomputes the chain and checks every signed anchor against it; exit 0 hold, 1 not',
    run: runVerifyAnchors,
  },
  'rotate-anchor-key': {
    about: 'adds a new anchor signing key (needs AIAAS_KEK); older anchors keep verifying',
    run: runRotateAnchorKey,
  },
  replay: {
    about: 'rebuilds every read model in a scratch schema and diffs it with the live one; exit 0 same, 1 not',
    run: runReplay,
  },
}

/** `aiaas audit <subcommand>`: what each one does, for the usage text. */
export const AUDIT_SUBCOMMANDS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SUBCOMMANDS).map(([name, subcommand]) => [name, subcommand.about]),
)

function usageError(): number {
  for (const [name, about] of Object.entries(AUDIT_SUBCOMMANDS))
    process.stderr.write(`usage: aiaas audit ${name}   ${about}\n`)
  return 2
}

/** Runs `aiaas audit <argv>` on AIAAS_DATABASE_URL; returns the exit code (2: usage). */
export async function runAuditCommand(config: Config, argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv
  const subcommand = name === undefined ? undefined : SUBCOMMANDS[name]
  return subcommand ? subcommand.run(config, args) : usageError()
}
