import { AppError } from '../errors.ts'
import type { Organization, OrganizationEvent } from './organization.ts'

// Commands carry everything a decision needs (ids, time): the decider stays pure.
export interface CreateOrganization {
  type: 'CreateOrganization'
  data: { organization_id: string; name: string; now: string }
}

export type OrganizationCommand = CreateOrganization

function createOrganization(command: CreateOrganization, state: Organization): OrganizationEvent[] {
  if (state.status !== 'Absent') {
    throw new AppError('ORG_ALREADY_EXISTS', 'the organization already exists', {
      organization_id: command.data.organization_id,
    })
  }
  const { organization_id, name, now } = command.data
  return [{ type: 'OrganizationCreated', data: { organization_id, name, created_at: now } }]
}

export function decide(command: OrganizationCommand, state: Organization): OrganizationEvent[] {
  switch (command.type) {
    case 'CreateOrganization':
      return createOrganization(command, state)
    default: {
      const unknown: never = command.type
      throw new Error(`unknown command ${unknown}`)
    }
  }
}
