import type { Decider } from '../decider.ts'
import {
  type CredentialEvent,
  type Credentials,
  credentialEventSchema,
  evolve,
  initialState,
} from './credentials.ts'
import { type CredentialCommand, decide } from './decide.ts'

export const credentialDecider: Decider<CredentialCommand, CredentialEvent, Credentials> = {
  decide,
  evolve,
  initialState,
  eventSchema: credentialEventSchema,
  schemaVersion: 1,
}
