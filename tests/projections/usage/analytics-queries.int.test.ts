import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import { createDatabase } from '../../support/fresh-database.ts'
import { reliabilityQueryContract } from './reliability-query.contract.ts'
import { usageQueryContract } from './usage-query.contract.ts'

// The usage and reliability queries on PostgreSQL (node-postgres parses sums and BIGINT[]
// histograms itself): the suites the unit tier runs on PGlite. A database of its own, as the
// recorded spend's test has, since usage_raw's partitions are made by name.

const makeDatabase: MakeDatabase = async () => {
  const created = await createDatabase('analytics_queries')
  const db = createPostgresDatabase(created.url)
  await migrate(db)
  return {
    db,
    dispose: async () => {
      await db.close()
      await created.drop()
    },
  }
}

usageQueryContract('PostgreSQL', makeDatabase)
reliabilityQueryContract('PostgreSQL', makeDatabase)
