import { eventStoreContract } from '../contracts/event-store.contract.ts'
import { orderingContract } from '../contracts/event-store-ordering.contract.ts'
import { eventStoreUpgradeContract } from '../contracts/event-store-upgrade.contract.ts'
import { makePglite } from './fresh-pglite.ts'

eventStoreContract('pglite', makePglite)
eventStoreUpgradeContract('pglite', makePglite)

// PGlite runs one transaction at a time, so this is the lighter version: interleavings of whole
// transactions, rollbacks and polls, not overlapping ones.
orderingContract('pglite', makePglite, { numRuns: 15, maxWriters: 5, maxHoldMs: 5, timeLimitMs: 20_000 })
