import { describe } from 'vitest'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { apiKeyRouteSuite } from './api-keys-suite.ts'

describe('admin API /api-keys on PostgreSQL', () => apiKeyRouteSuite(makePostgres('apikeys')))
