import { describe } from 'vitest'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { organizationRouteSuite } from './organizations-suite.ts'

describe('admin API /organizations on PostgreSQL', () => organizationRouteSuite(makePostgres('orgs')))
