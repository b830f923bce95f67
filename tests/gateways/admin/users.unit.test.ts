import { describe } from 'vitest'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { userRouteSuite } from './users-suite.ts'

describe('admin API /users on PGlite', () => userRouteSuite(makePglite))
