import { migrationsContract } from '../contracts/migrations.contract.ts'
import { makePglite } from './fresh-pglite.ts'

migrationsContract('pglite', makePglite)
