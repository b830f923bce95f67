import { AppError } from '../errors.ts'
import type { Organization } from '../organizations/organization.ts'
import { canonicalRoles, type OrganizationRole } from '../users/user.ts'
import type { ServiceAccount, ServiceAccountEvent } from './service-account.ts'

// Commands carry everything a decision needs (ids, secret hashes, time): the decider stays pure.
export interface CreateServiceAccount {
  type: 'CreateServiceAccount'
  data: {
    service_account_id: string
    organization_id: string
    name: string
    roles: readonly OrganizationRole[]
    client_id: string
    secret_hash: string
    now: string
  }
  /** The state of the organization it acts in, loaded by the command handler. */
  organization: Organization
}

export interface RotateServiceAccountSecret {
  type: 'RotateServiceAccountSecret'
  data: { service_account_id: string; secret_hash: string; now: string }
}

export interface RevokeServiceAccount {
  type: 'RevokeServiceAccount'
  data: { service_account_id: string; now: string }
}

export type ServiceAccountCommand = CreateServiceAccount | RotateServiceAccountSecret | RevokeServiceAccount

function requireActiveOrganization(organization: Organization, organization_id: string): void {
  if (organization.status === 'Absent')
    throw new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id })
  if (organization.status === 'Suspended')
    throw new AppError('ORG_SUSPENDED', 'the organization is suspended', { organization_id })
  if (organization.status === 'Closed')
    throw new AppError('ORG_CLOSED', 'the organization is closed', { organization_id })
}

function create(command: CreateServiceAccount, state: ServiceAccount): ServiceAccountEvent[] {
  const { now, roles, ...data } = command.data
  requireActiveOrganization(command.organization, data.organization_id)
  if (state.status !== 'Absent') {
    throw new AppError('SERVICE_ACCOUNT_ALREADY_EXISTS', 'the service account already exists', {
      service_account_id: data.service_account_id,
    })
  }
  if (roles.length === 0) throw new AppError('ROLES_EMPTY', 'a service account needs at least one role')
  return [{ type: 'ServiceAccountCreated', data: { ...data, roles: canonicalRoles(roles), created_at: now } }]
}

/** The account, when it exists and is not revoked: what rotating and revoking both need. */
function activeAccount(state: ServiceAccount, service_account_id: string) {
  if (state.status === 'Absent') {
    throw new AppError('SERVICE_ACCOUNT_NOT_FOUND', 'no such service account', { service_account_id })
  }
  if (state.status === 'Revoked') {
    throw new AppError('SERVICE_ACCOUNT_REVOKED', 'the service account is revoked', {
      service_account_id,
      revoked_at: state.revoked_at,
    })
  }
  return state
}

function rotate(command: RotateServiceAccountSecret, state: ServiceAccount): ServiceAccountEvent[] {
  const { service_account_id, secret_hash, now } = command.data
  const { organization_id } = activeAccount(state, service_account_id)
  return [
    {
      type: 'ServiceAccountSecretRotated',
      data: { service_account_id, organization_id, secret_hash, rotated_at: now },
    },
  ]
}

function revoke(command: RevokeServiceAccount, state: ServiceAccount): ServiceAccountEvent[] {
  const { service_account_id, now } = command.data
  const { organization_id } = activeAccount(state, service_account_id)
  return [{ type: 'ServiceAccountRevoked', data: { service_account_id, organization_id, revoked_at: now } }]
}

export function decide(command: ServiceAccountCommand, state: ServiceAccount): ServiceAccountEvent[] {
  switch (command.type) {
    case 'CreateServiceAccount':
      return create(command, state)
    case 'RotateServiceAccountSecret':
      return rotate(command, state)
    case 'RevokeServiceAccount':
      return revoke(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}
