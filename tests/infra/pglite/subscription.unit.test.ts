import { subscriptionContract } from '../contracts/subscription.contract.ts'
import { makePglite } from './fresh-pglite.ts'

subscriptionContract('pglite', makePglite)
