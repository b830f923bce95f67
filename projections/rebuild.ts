import { AppError } from '../domain/errors.ts'
import { lockCheckpoint } from '../infra/event-store/checkpoints.ts'
import { readAll } from '../infra/event-store/read.ts'
import type { Database, Sql } from '../infra/ports/database.ts'
import { READ_MODEL_REGISTRY, READ_MODELS, type ReadModel } from './read-models.ts'

// `aiaas projections rebuild <name>`: a read model rebuilt from the global log while the projector
// runs. All of it happens in ONE transaction that first locks the projector's checkpoint row (the
// lock every projector batch takes, infra/event-store/checkpoints.ts):
// - no batch is applied while the rebuild runs, and the rebuild replays exactly the events up to
//   that checkpoint, so the rebuilt tables and the untouched ones agree on one position;
// - readers (the router, the admin API) see the old rows until the commit and the rebuilt ones
//   after it, never an empty table: rows are removed with DELETE, not TRUNCATE, whose exclusive
//   lock would block every reader for the whole rebuild.
// The cost: while the rebuild runs, projector batches wait, and the transaction's id holds back
// the horizon of every gap-free reader of the log (ADR 0002). docs/event-store.md says so.

export const REBUILD_ALL = 'all'

/** The read models `name` designates: one of the registry's names, or all of them. */
export function readModelsNamed(name: string): readonly ReadModel[] {
  if (name === REBUILD_ALL) return READ_MODEL_REGISTRY
  const model = READ_MODEL_REGISTRY.find((candidate) => candidate.name === name)
  if (model) return [model]
  const known = [...READ_MODEL_REGISTRY.map((candidate) => candidate.name), REBUILD_ALL]
  throw new AppError('READ_MODEL_UNKNOWN', `unknown read model \`${name}\`; one of: ${known.join(', ')}`, {
    read_model: name,
    known,
  })
}

export interface Rebuilt {
  read_models: string[]
  tables: string[]
  /** Events of the log applied to the rebuilt read models. */
  events: number
  /** The projector's checkpoint the rebuild stopped at. */
  position: bigint
}

/**
 * Replays the log up to `upTo` into `models`, through `tx` (whose search_path decides which
 * tables receive the rows: `aiaas audit replay` puts a scratch schema first). Every event at or
 * below the checkpoint is committed (the projector read it below the horizon), so reading up to
 * it skips nothing. Returns the number of events applied.
 */
export async function replayLog(tx: Sql, models: readonly ReadModel[], upTo: bigint, batchSize: number) {
  let after = 0n
  let applied = 0
  for (;;) {
    const read = await readAll(tx, { after, limit: batchSize })
    const batch = read.filter((recorded) => recorded.global_position <= upTo)
    for (const recorded of batch) {
      for (const model of models) {
        if (!model.types.has(recorded.type)) continue
        await model.project(recorded, tx)
        applied++
      }
    }
    const last = batch.at(-1)
    if (last === undefined || batch.length < read.length || read.length < batchSize) return applied
    after = last.global_position
  }
}

/** Rebuilds the named read model (or `all`) from the log; see the comment at the top. */
export async function rebuildReadModel(db: Database, name: string, batchSize = 500): Promise<Rebuilt> {
  const models = readModelsNamed(name)
  const tables = models.flatMap((model) => model.tables)
  return db.transaction(async (tx) => {
    const position = await lockCheckpoint(tx, READ_MODELS)
    // Table names come from the registry, never from input.
    for (const table of tables) await tx.query(`DELETE FROM ${table}`)
    const events = await replayLog(tx, models, position, batchSize)
    return { read_models: models.map((model) => model.name), tables, events, position }
  })
}
