import type { ChainBreak } from '../../infra/event-store/chain-verify.ts'

/** A chain verification as read locally (ChainReport) or from /admin/v1/audit/verify (nulls for absent). */
export interface ChainReportView {
  checked: number
  first_break?: ChainBreak | null
  unchained_after?: string | null
}

/** The one wording of a verification, for `aiaas audit verify` local and `--remote` alike. */
export function describeChainReport(report: ChainReportView): string {
  const tail = report.unchained_after ? `; not chained yet after position ${report.unchained_after}` : ''
  const brk = report.first_break
  if (!brk) return `chain intact: ${report.checked} events checked${tail}\n`
  return (
    `chain broken at position ${brk.global_position}: stored hash ${brk.expected ?? '(none)'}, ` +
    `recomputed ${brk.found ?? '(event row missing)'}; ${report.checked} events verified before it\n`
  )
}
