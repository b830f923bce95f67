import { describe } from 'vitest'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { apiKeyRouteSuite } from './api-keys-suite.ts'

describe('admin API /api-keys on PGlite', () => apiKeyRouteSuite(makePglite))
