import type { Config } from '../../infra/config/config.ts'
import type { Database } from '../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'

/**
 * An `aiaas audit` check on AIAAS_DATABASE_URL: its report on stdout and exit 0 when it holds,
 * on stderr and exit 1 when it does not.
 */
export async function runCheck<R extends { ok: boolean }>(
  config: Config,
  check: (db: Database) => Promise<R>,
  describe: (report: R) => string,
): Promise<number> {
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  try {
    const report = await check(db)
    ;(report.ok ? process.stdout : process.stderr).write(describe(report))
    return report.ok ? 0 : 1
  } finally {
    await db.close()
  }
}
