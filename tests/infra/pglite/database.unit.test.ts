import { databaseContract } from '../contracts/database.contract.ts'
import { makePglite } from './fresh-pglite.ts'

databaseContract('pglite', makePglite)
