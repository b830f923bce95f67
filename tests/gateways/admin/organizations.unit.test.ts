import { describe } from 'vitest'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { organizationRouteSuite } from './organizations-suite.ts'

describe('admin API /organizations on PGlite', () => organizationRouteSuite(makePglite))
