import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { reliabilityQueryContract } from './reliability-query.contract.ts'

reliabilityQueryContract('PGlite', makePglite)
