import { describe, expect, it } from 'vitest'
import { type LoggedEvent, organizationStateAt } from '../../../domain/audit/organization-state.ts'

// The fold of an organization at an instant: each stream with its own aggregate's evolve, only
// what belongs to the organization, what was removed shown as it was (a revoked key) or not at all
// (a deleted budget, a removed membership), and never a secret's hash.

const ORG = '0190a000-0000-7000-8000-0000000000a1'
const OTHER = '0190a000-0000-7000-8000-0000000000b1'
const USER = '0190a000-0000-7000-8000-0000000000a2'
const KEY = '0190a000-0000-7000-8000-0000000000a3'
const BUDGET = '0190a000-0000-7000-8000-0000000000a4'
const at = '2026-11-01T00:00:00Z'

const event = (stream: string, type: string, data: Record<string, unknown>): LoggedEvent => ({
  stream,
  type,
  data,
})

const created = event(`organization-${ORG}`, 'OrganizationCreated', {
  organization_id: ORG,
  name: 'Acme',
  created_at: at,
})
const key = (organization_id: string, api_key_id: string) =>
  event(`api_key-${api_key_id}`, 'ApiKeyIssued', {
    api_key_id,
    organization_id,
    name: 'ci',
    key_hash: 'f'.repeat(64),
    key_prefix: 'sk-aiaas-abc',
    issued_at: at,
  })
const budget = event(`budget-${BUDGET}`, 'BudgetCreated', {
  budget_id: BUDGET,
  organization_id: ORG,
  api_key_id: null,
  limit_micros: 9_000_000,
  period: 'monthly',
  enforcement: 'hard',
  alert_thresholds: [0.5],
  created_at: at,
})
const user = event(`user-${USER}`, 'UserCreated', {
  user_id: USER,
  email: 'ada@acme.test',
  display_name: 'Ada',
  created_at: at,
})
const member = (organization_id: string) =>
  event(`user-${USER}`, 'MembershipAdded', { user_id: USER, organization_id, roles: ['auditor'], at })

describe('organizationStateAt', () => {
  it('is null before the organization was created', () => {
    expect(organizationStateAt(ORG, [key(ORG, KEY), budget])).toBeNull()
  })

  it("folds the organization's streams, and nothing of another organization", () => {
    const state = organizationStateAt(ORG, [
      created,
      user,
      member(ORG),
      member(OTHER),
      key(ORG, KEY),
      key(OTHER, OTHER),
      budget,
    ])
    expect(state?.organization).toMatchObject({ organization_id: ORG, name: 'Acme', status: 'active' })
    expect(state?.users).toEqual([
      { user_id: USER, email: 'ada@acme.test', display_name: 'Ada', status: 'active', roles: ['auditor'] },
    ])
    expect(state?.api_keys).toEqual([
      { api_key_id: KEY, name: 'ci', key_prefix: 'sk-aiaas-abc', status: 'active', revoked_at: null },
    ])
    expect(state?.budgets).toEqual([
      {
        budget_id: BUDGET,
        api_key_id: null,
        period: 'monthly',
        limit_usd: '9.00',
        enforcement: 'hard',
        alert_thresholds: [0.5],
      },
    ])
    expect(state?.role_bindings).toEqual([{ subject: `user:${USER}`, roles: ['auditor'] }])
    expect(JSON.stringify(state)).not.toContain('f'.repeat(64))
  })

  it('shows a revoked key as revoked, a changed budget as changed, and drops a deleted budget and a removed member', () => {
    const later = [
      created,
      user,
      member(ORG),
      key(ORG, KEY),
      budget,
      event(`budget-${BUDGET}`, 'BudgetChanged', {
        budget_id: BUDGET,
        organization_id: ORG,
        limit_micros: 12_000_000,
        changed_at: at,
      }),
    ]
    expect(organizationStateAt(ORG, later)?.budgets[0]?.limit_usd).toBe('12.00')
    const revoked = event(`api_key-${KEY}`, 'ApiKeyRevoked', {
      api_key_id: KEY,
      organization_id: ORG,
      revoked_at: at,
    })
    const removed = event(`user-${USER}`, 'MembershipRemoved', { user_id: USER, organization_id: ORG, at })
    const deleted = event(`budget-${BUDGET}`, 'BudgetDeleted', {
      budget_id: BUDGET,
      organization_id: ORG,
      deleted_at: at,
    })
    const state = organizationStateAt(ORG, [...later, revoked, removed, deleted])
    expect(state?.api_keys[0]).toMatchObject({ status: 'revoked', revoked_at: at })
    expect(state?.users).toEqual([])
    expect(state?.role_bindings).toEqual([])
    expect(state?.budgets).toEqual([])
  })
})
