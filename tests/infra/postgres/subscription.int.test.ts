import { subscriptionContract } from '../contracts/subscription.contract.ts'
import { makePostgres } from './fresh-schema.ts'

subscriptionContract('postgres', makePostgres('subscription'))
