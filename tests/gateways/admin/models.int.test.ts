import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { modelRouteSuite } from './models-suite.ts'

modelRouteSuite(makePostgres('models'))
