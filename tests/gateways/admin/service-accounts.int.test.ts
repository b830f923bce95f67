import { describe } from 'vitest'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { serviceAccountRouteSuite } from './service-accounts-suite.ts'

describe('admin API /service-accounts on PostgreSQL', () =>
  serviceAccountRouteSuite(makePostgres('svcaccts')))
