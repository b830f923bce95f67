import { describe, expect, it } from 'vitest'
import {
  evolve as evolveOrganization,
  initialState as noOrganization,
  type Organization,
  type OrganizationEvent,
} from '../../../domain/organizations/organization.ts'
import { hashClientSecret, newClientSecret } from '../../../domain/service-accounts/client-secret.ts'
import type { CreateServiceAccount } from '../../../domain/service-accounts/decide.ts'
import { serviceAccountDecider } from '../../../domain/service-accounts/decider.ts'
import type { ServiceAccountEvent } from '../../../domain/service-accounts/service-account.ts'
import { specFor } from '../../support/decider.ts'

const given = specFor(serviceAccountDecider)
const now = '2026-11-26T10:00:00.000Z'
const later = '2026-11-26T11:00:00.000Z'
const service_account_id = '0190a8e2-0000-7000-8000-0000000000s1'
const organization_id = '0190a8e2-0000-7000-8000-000000000001'
const organization = (...events: OrganizationEvent[]): Organization =>
  [
    { type: 'OrganizationCreated' as const, data: { organization_id, name: 'Acme', created_at: now } },
    ...events,
  ].reduce(evolveOrganization, noOrganization)
const data: CreateServiceAccount['data'] = {
  service_account_id,
  organization_id,
  name: 'ci',
  roles: ['member', 'org_admin'],
  client_id: service_account_id,
  secret_hash: 'a'.repeat(64),
  now,
}
const create = (
  org: Organization,
  fields: Partial<CreateServiceAccount['data']> = {},
): CreateServiceAccount => ({
  type: 'CreateServiceAccount',
  data: { ...data, ...fields },
  organization: org,
})
const created: ServiceAccountEvent = {
  type: 'ServiceAccountCreated',
  data: {
    service_account_id,
    organization_id,
    name: 'ci',
    roles: ['org_admin', 'member'],
    client_id: service_account_id,
    secret_hash: 'a'.repeat(64),
    created_at: now,
  },
}
const revoked: ServiceAccountEvent = {
  type: 'ServiceAccountRevoked',
  data: { service_account_id, organization_id, revoked_at: later },
}
const rotate = {
  type: 'RotateServiceAccountSecret' as const,
  data: { service_account_id, secret_hash: 'b'.repeat(64), now: later },
}
const revoke = { type: 'RevokeServiceAccount' as const, data: { service_account_id, now: later } }

describe('CreateServiceAccount', () => {
  it('records the account with its roles in canonical order and only the hash of its secret', () =>
    given([]).when(create(organization())).then([created]))

  it('refuses an organization that does not exist, is suspended or closed', () => {
    given([]).when(create(noOrganization)).thenThrows('ORG_NOT_FOUND')
    const suspended = {
      type: 'OrganizationSuspended' as const,
      data: { organization_id, reason: 'x', suspended_at: now },
    }
    given([])
      .when(create(organization(suspended)))
      .thenThrows('ORG_SUSPENDED')
    const closed = { type: 'OrganizationClosed' as const, data: { organization_id, closed_at: now } }
    given([])
      .when(create(organization(closed)))
      .thenThrows('ORG_CLOSED')
  })

  it('refuses no roles, and an id already taken', () => {
    given([])
      .when(create(organization(), { roles: [] }))
      .thenThrows('ROLES_EMPTY')
    given([created]).when(create(organization())).thenThrows('SERVICE_ACCOUNT_ALREADY_EXISTS')
  })
})

describe('RotateServiceAccountSecret', () => {
  it('replaces the secret hash, keeping id and roles', () =>
    given([created])
      .when(rotate)
      .then([
        {
          type: 'ServiceAccountSecretRotated',
          data: { service_account_id, organization_id, secret_hash: 'b'.repeat(64), rotated_at: later },
        },
      ]))

  it('refuses an unknown or revoked account', () => {
    given([]).when(rotate).thenThrows('SERVICE_ACCOUNT_NOT_FOUND')
    given([created, revoked]).when(rotate).thenThrows('SERVICE_ACCOUNT_REVOKED')
  })
})

describe('RevokeServiceAccount', () => {
  it('revokes an active account once', () => {
    given([created]).when(revoke).then([revoked])
    given([created, revoked]).when(revoke).thenThrows('SERVICE_ACCOUNT_REVOKED')
    given([]).when(revoke).thenThrows('SERVICE_ACCOUNT_NOT_FOUND')
  })
})

describe('client secrets', () => {
  it('are fresh 256-bit values whose hash is stable and reveals nothing of them', () => {
    const a = newClientSecret()
    const b = newClientSecret()
    expect(a).not.toBe(b)
    expect(a).toMatch(/^aiaas-sa-secret-[A-Za-z0-9_-]{43}$/)
    expect(hashClientSecret(a)).toBe(hashClientSecret(a))
    expect(hashClientSecret(a)).toMatch(/^[0-9a-f]{64}$/)
    expect(hashClientSecret(a)).not.toContain(a.slice(16))
  })
})
