import { describe } from 'vitest'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { userRouteSuite } from './users-suite.ts'

describe('admin API /users on PostgreSQL', () => userRouteSuite(makePostgres('users')))
