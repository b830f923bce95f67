import { describe } from 'vitest'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { serviceAccountRouteSuite } from './service-accounts-suite.ts'

describe('admin API /service-accounts on PGlite', () => serviceAccountRouteSuite(makePglite))
