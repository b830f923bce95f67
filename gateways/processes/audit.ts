import type { Config } from '../../infra/config/config.ts'
import { type ChainReport, verifyChain } from '../../infra/event-store/chain-verify.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'

/** `aiaas audit <subcommand>`: what each one does, for the usage text. */
export const AUDIT_SUBCOMMANDS = {
  verify: 'recomputes the event chain; exit 0 intact, 1 broken (docs/audit.md)',
} as const

function describeReport(report: ChainReport): string {
  const tail = report.unchained_after ? `; not chained yet after position ${report.unchained_after}` : ''
  const brk = report.first_break
  if (!brk) return `chain intact: ${report.checked} events checked${tail}\n`
  return (
    `chain broken at position ${brk.global_position}: stored hash ${brk.expected ?? '(none)'}, ` +
    `recomputed ${brk.found ?? '(event row missing)'}; ${report.checked} events verified before it\n`
  )
}

/** Runs `aiaas audit <argv>` on AIAAS_DATABASE_URL; returns the exit code (2: usage). */
export async function runAuditCommand(config: Config, argv: readonly string[]): Promise<number> {
  if (argv.length !== 1 || argv[0] !== 'verify') {
    process.stderr.write(`usage: aiaas audit verify   ${AUDIT_SUBCOMMANDS.verify}\n`)
    return 2
  }
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  try {
    const report = await verifyChain(db)
    ;(report.ok ? process.stdout : process.stderr).write(describeReport(report))
    return report.ok ? 0 : 1
  } finally {
    await db.close()
  }
}
