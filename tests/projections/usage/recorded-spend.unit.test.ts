import { describe } from 'vitest'
import { migratedPglite } from '../../infra/pglite/fresh-pglite.ts'
import { recordedSpendContract } from './recorded-spend.contract.ts'

describe('the recorded spend on PGlite', () => {
  recordedSpendContract(migratedPglite)
})
