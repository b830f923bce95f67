import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { modelRouteSuite } from './models-suite.ts'

modelRouteSuite(makePglite)
