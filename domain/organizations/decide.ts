import { AppError } from '../errors.ts'
import type { Organization, OrganizationEvent } from './organization.ts'

// Commands carry everything a decision needs (ids, time): the decider stays pure.
export interface CreateOrganization {
  type: 'CreateOrganization'
  data: { organization_id: string; name: string; now: string }
}

export interface SetMonthlyBudget {
  type: 'SetMonthlyBudget'
  data: { organization_id: string; monthly_limit_usd: number | null; now: string }
}

export type OrganizationCommand = CreateOrganization | SetMonthlyBudget

function createOrganization(command: CreateOrganization, state: Organization): OrganizationEvent[] {
  if (state.status !== 'Absent') {
    throw new AppError('ORG_ALREADY_EXISTS', 'the organization already exists', {
      organization_id: command.data.organization_id,
    })
  }
  const { organization_id, name, now } = command.data
  return [{ type: 'OrganizationCreated', data: { organization_id, name, created_at: now } }]
}

function setMonthlyBudget(command: SetMonthlyBudget, state: Organization): OrganizationEvent[] {
  const { organization_id, monthly_limit_usd, now } = command.data
  if (state.status !== 'Active')
    throw new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id })
  // Setting the budget it already has changes nothing, so a retried request adds no event.
  if (state.monthly_limit_usd === monthly_limit_usd) return []
  return [{ type: 'OrganizationBudgetSet', data: { organization_id, monthly_limit_usd, set_at: now } }]
}

export function decide(command: OrganizationCommand, state: Organization): OrganizationEvent[] {
  switch (command.type) {
    case 'CreateOrganization':
      return createOrganization(command, state)
    case 'SetMonthlyBudget':
      return setMonthlyBudget(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}
