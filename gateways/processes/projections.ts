import { isAppError } from '../../domain/errors.ts'
import type { Config } from '../../infra/config/config.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { READ_MODEL_REGISTRY } from '../../projections/read-models.ts'
import { REBUILD_ALL, rebuildReadModel } from '../../projections/rebuild.ts'

/** `aiaas projections <subcommand>`: what each one does, for the usage text. */
export const PROJECTIONS_SUBCOMMANDS = {
  'rebuild <name>': `rebuilds a read model from the log (${[...READ_MODEL_REGISTRY.map((m) => m.name), REBUILD_ALL].join(', ')}; PostgreSQL)`,
} as const

const usage = () =>
  Object.entries(PROJECTIONS_SUBCOMMANDS)
    .map(([name, what]) => `usage: aiaas projections ${name}   ${what}\n`)
    .join('')

/**
 * Runs `aiaas projections <argv>` on AIAAS_DATABASE_URL; returns the exit code. Safe while the
 * projector runs (projections/rebuild.ts says how).
 */
export async function runProjectionsCommand(config: Config, argv: readonly string[]): Promise<number> {
  const [subcommand, name, ...rest] = argv
  if (subcommand !== 'rebuild' || name === undefined || rest.length > 0) {
    process.stderr.write(usage())
    return 2
  }
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  try {
    const rebuilt = await rebuildReadModel(db, name)
    process.stdout.write(
      `rebuilt ${rebuilt.read_models.join(', ')} (${rebuilt.tables.join(', ')}): ` +
        `${rebuilt.events} events up to position ${rebuilt.position}\n`,
    )
    return 0
  } catch (error) {
    if (!isAppError(error) || error.code !== 'READ_MODEL_UNKNOWN') throw error
    process.stderr.write(`aiaas projections rebuild: ${error.message}\n`)
    return 2
  } finally {
    await db.close()
  }
}
