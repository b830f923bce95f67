import { readCheckpoint } from '../../infra/event-store/checkpoints.ts'
import type { Database } from '../../infra/ports/database.ts'
import { READ_MODEL_REGISTRY, READ_MODELS, type ReadModel } from '../read-models.ts'
import { replayLog } from '../rebuild.ts'
import { createScratchTables, scratchSchemaName } from './scratch-schema.ts'
import { diffTable, type TableDiff } from './table-diff.ts'

// `aiaas audit replay`: every read model rebuilt from the log into a scratch schema, through the
// projector's own code (projections/read-models.ts), and compared with the live tables. No
// difference proves the read models are what the log says; a difference names the table and row.
//
// One REPEATABLE READ transaction: the projector commits each batch's rows together with its
// checkpoint, so one snapshot holds the checkpoint and exactly the live rows of the events up to
// it; the replay stops at that checkpoint and compares within that same snapshot. Unlike
// `aiaas projections rebuild`, it takes no lock: the projector keeps running (its later batches
// are simply not in the snapshot). Every event up to the checkpoint is committed and below this
// snapshot's horizon, so readAll skips none.

export interface ReplayOptions {
  /** The read models to replay (default: all of them, READ_MODEL_REGISTRY). */
  models?: readonly ReadModel[]
  /** At most this many differing rows of each kind are returned per table (the counts are all). */
  sample?: number
  batchSize?: number
}

export interface ReplayReport {
  /** True when no table differs. */
  ok: boolean
  /** The projector's checkpoint the replay stopped at. */
  position: bigint
  /** Events applied to the scratch read models (one that feeds two read models counts twice). */
  events: number
  tables: TableDiff[]
}

/** True when the table's live rows and its replay differ in any row. */
export const tableDiffers = (diff: TableDiff): boolean =>
  diff.counts.changed + diff.counts.only_in_live + diff.counts.only_in_replay > 0

/** The report leaves the transaction by this throw, so the transaction always rolls back. */
class RolledBack {
  readonly report: ReplayReport
  constructor(report: ReplayReport) {
    this.report = report
  }
}

/**
 * Replays the read models into a scratch schema and diffs them; see the comment at the top. The
 * transaction is rolled back, never committed: the scratch schema goes with it, and nothing the
 * replay wrote can outlive it, even a projection writing a table the registry does not list
 * (which would otherwise reach the live table through the search_path).
 */
export async function replayReadModels(db: Database, options: ReplayOptions = {}): Promise<ReplayReport> {
  const models = options.models ?? READ_MODEL_REGISTRY
  const tables = models.flatMap((model) => model.tables)
  const schema = scratchSchemaName()
  try {
    await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
      const position = await readCheckpoint(tx, READ_MODELS)
      const pairs = await createScratchTables(tx, schema, tables)
      const events = await replayLog(tx, models, position, options.batchSize ?? 500)
      const diffs: TableDiff[] = []
      for (const pair of pairs) diffs.push(await diffTable(tx, pair, options.sample ?? 5))
      throw new RolledBack({ ok: !diffs.some(tableDiffers), position, events, tables: diffs })
    })
  } catch (outcome) {
    if (outcome instanceof RolledBack) return outcome.report
    throw outcome
  }
  throw new Error('unreachable: the replay transaction always throws its report')
}
