import type { Decider } from '../decider.ts'
import { decide, type ServiceAccountCommand } from './decide.ts'
import {
  evolve,
  initialState,
  type ServiceAccount,
  type ServiceAccountEvent,
  serviceAccountEventSchema,
} from './service-account.ts'

export const serviceAccountDecider: Decider<ServiceAccountCommand, ServiceAccountEvent, ServiceAccount> = {
  decide,
  evolve,
  initialState,
  eventSchema: serviceAccountEventSchema,
  schemaVersion: 1,
}
