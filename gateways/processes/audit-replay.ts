import type { Config } from '../../infra/config/config.ts'
import { type ReplayReport, replayReadModels, tableDiffers } from '../../projections/replay/replay.ts'
import type { RowDifference, TableDiff } from '../../projections/replay/table-diff.ts'
import { runCheck } from './audit-check.ts'

// `aiaas audit replay`: every read model rebuilt from the log into a scratch schema and compared
// with the live tables (projections/replay/replay.ts). Exit 0: no difference; 1: differences,
// each table's counts and its first rows on stderr; 2: usage. docs/audit.md, "Replay".

const keyText = (key: Record<string, string>) =>
  Object.entries(key)
    .map(([column, value]) => `${column}=${value}`)
    .join(', ')

function describeRow(row: RowDifference): string {
  if (row.kind !== 'changed') return `  ${row.kind.replaceAll('_', ' ')} ${keyText(row.key)}: ${row.row}\n`
  const columns = row.columns.map((c) => `${c.column} live ${c.live}, replay ${c.replay}`).join('; ')
  return `  changed ${keyText(row.key)}: ${columns}\n`
}

function describeTable(diff: TableDiff): string {
  const { changed, only_in_live, only_in_replay } = diff.counts
  const rows = `${diff.live_rows} live rows, ${diff.replayed_rows} replayed`
  if (!tableDiffers(diff)) return `${diff.table}: ${rows}, no difference\n`
  const counts = `${changed} changed, ${only_in_live} only in live, ${only_in_replay} only in replay`
  return `${diff.table}: ${rows}: ${counts}\n${diff.rows.map(describeRow).join('')}`
}

/** The report as the operator reads it: one line per table, its first differing rows under it. */
export function describeReplay(report: ReplayReport): string {
  const head = `replayed ${report.events} events up to position ${report.position} (the projector's checkpoint) into a scratch schema\n`
  const differing = report.tables.filter(tableDiffers)
  const tail = report.ok
    ? 'no difference: every read model equals its replay\n'
    : `differences in ${differing.length} of ${report.tables.length} tables\n`
  return head + report.tables.map(describeTable).join('') + tail
}

export async function runReplay(config: Config, args: readonly string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write('usage: aiaas audit replay   (no arguments; AIAAS_DATABASE_URL)\n')
    return 2
  }
  return runCheck(config, (db) => replayReadModels(db), describeReplay)
}
