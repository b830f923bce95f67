import { describe, expect, it } from 'vitest'
import { organizationDecider } from '../../../domain/organizations/decider.ts'
import { evolve, initialState } from '../../../domain/organizations/organization.ts'
import { specFor } from '../../support/decider.ts'

const given = specFor(organizationDecider)
const id = '0190a8e2-0000-7000-8000-000000000001'
const now = '2026-11-26T10:00:00.000Z'
const created = {
  type: 'OrganizationCreated' as const,
  data: { organization_id: id, name: 'Acme', created_at: now },
}

describe('organization decider', () => {
  it('creates an organization that does not exist yet', () => {
    given([])
      .when({ type: 'CreateOrganization', data: { organization_id: id, name: 'Acme', now } })
      .then([created])
  })

  it('refuses to create the same organization twice', () => {
    given([created])
      .when({ type: 'CreateOrganization', data: { organization_id: id, name: 'Other', now } })
      .thenThrows('ORG_ALREADY_EXISTS')
  })

  it('evolves to an active organization carrying its name', () => {
    expect(evolve(initialState, created)).toEqual({
      status: 'Active',
      organization_id: id,
      name: 'Acme',
      created_at: now,
    })
  })
})
