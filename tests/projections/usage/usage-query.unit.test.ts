import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { usageQueryContract } from './usage-query.contract.ts'

usageQueryContract('PGlite', makePglite)
