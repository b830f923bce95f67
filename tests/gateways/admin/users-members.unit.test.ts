import { describe } from 'vitest'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { memberRouteSuite } from './users-members-suite.ts'

describe('admin API /organizations/{id}/members on PGlite', () => memberRouteSuite(makePglite))
