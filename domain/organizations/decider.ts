import type { Decider } from '../decider.ts'
import { decide, type OrganizationCommand } from './decide.ts'
import {
  evolve,
  initialState,
  type Organization,
  type OrganizationEvent,
  organizationEventSchema,
} from './organization.ts'

export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, Organization> = {
  decide,
  evolve,
  initialState,
  eventSchema: organizationEventSchema,
  schemaVersion: 1,
}
