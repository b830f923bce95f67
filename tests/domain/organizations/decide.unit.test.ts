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
      settings: {
        timezone: 'UTC',
        allowed_models: null,
        mfa_required: false,
        rpm_limit: null,
        tpm_limit: null,
        limits_fail_open: false,
        budget_alert_webhook_url: null,
      },
      monthly_limit_usd: null,
    })
  })

  const budgetSet = (monthly_limit_usd: number | null) => ({
    type: 'OrganizationBudgetSet' as const,
    data: { organization_id: id, monthly_limit_usd, set_at: now },
  })
  const setBudget = (monthly_limit_usd: number | null) => ({
    type: 'SetMonthlyBudget' as const,
    data: { organization_id: id, monthly_limit_usd, now },
  })

  it('sets, changes and removes the monthly budget', () => {
    given([created])
      .when(setBudget(25))
      .then([budgetSet(25)])
    given([created, budgetSet(25)])
      .when(setBudget(40))
      .then([budgetSet(40)])
    given([created, budgetSet(25)])
      .when(setBudget(null))
      .then([budgetSet(null)])
  })

  it('records nothing when the budget is already the one asked for (retries are harmless)', () => {
    given([created, budgetSet(25)])
      .when(setBudget(25))
      .then([])
    given([created]).when(setBudget(null)).then([])
  })

  it('refuses a budget for an organization that does not exist', () => {
    given([]).when(setBudget(10)).thenThrows('ORG_NOT_FOUND')
  })
})
