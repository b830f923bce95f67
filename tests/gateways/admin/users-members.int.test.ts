import { describe } from 'vitest'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { memberRouteSuite } from './users-members-suite.ts'

describe('admin API /organizations/{id}/members on PostgreSQL', () =>
  memberRouteSuite(makePostgres('members')))
