import { describe, expect, it } from 'vitest'
import { touchedBy, touchesKeys, touchesModels } from '../../../projections/router/touched.ts'

// What a batch of events tells the router to re-read, from the events' real shapes.
describe('what a batch touches', () => {
  it('names the organizations, keys, issued hashes and models of its events', () => {
    const touched = touchedBy([
      {
        type: 'ApiKeyIssued',
        stream: 'api_key-k1',
        data: { api_key_id: 'k1', organization_id: 'o1', name: 'k', key_hash: 'h1' },
      },
      { type: 'ApiKeyRevoked', stream: 'api_key-k2', data: { api_key_id: 'k2', organization_id: 'o1' } },
      {
        type: 'ApiKeyRotated',
        stream: 'api_key-k3',
        data: { api_key_id: 'k3', organization_id: 'o2', key_hash: 'h3', previous_key_hash: 'h0' },
      },
      { type: 'OrganizationSuspended', stream: 'organization-o4', data: { organization_id: 'o4' } },
      { type: 'ModelUpdated', stream: 'model-gpt-x', data: { name: 'gpt-x' } },
      { type: 'ModelDeleted', stream: 'model-echo', data: { name: 'echo' } },
    ])
    // Key events touch their key only, not every key of the organization.
    expect(touched.organizations).toEqual(new Set(['o4']))
    expect(touched.apiKeys).toEqual(new Set(['k1', 'k2', 'k3']))
    expect(touched.keyHashes).toEqual(new Set(['h1', 'h3']))
    expect(touched.models).toEqual(new Set(['gpt-x', 'echo']))
    expect(touched.allKeys).toBe(false)
    expect(touchesKeys(touched) && touchesModels(touched)).toBe(true)
  })

  it('touches nothing for events the router does not cache (users)', () => {
    const touched = touchedBy([
      { type: 'UserCreated', stream: 'user-u1', data: { user_id: 'u1', email: 'a@b.c' } },
    ])
    expect(touchesKeys(touched) || touchesModels(touched)).toBe(false)
  })

  it('touches an organization budget’s organization, a key budget’s key, and every key for an unscoped one', () => {
    expect(
      touchedBy([{ type: 'BudgetDeleted', stream: 'budget-b1', data: { budget_id: 'b1' } }]).allKeys,
    ).toBe(true)
    const scoped = touchedBy([
      // BudgetChanged names no key (its scope never changes): the organization's keys are re-read.
      { type: 'BudgetChanged', stream: 'budget-b1', data: { budget_id: 'b1', organization_id: 'o1' } },
      {
        type: 'BudgetCreated',
        stream: 'budget-b2',
        data: { budget_id: 'b2', organization_id: 'o2', api_key_id: 'k2' },
      },
      {
        type: 'BudgetCreated',
        stream: 'budget-b3',
        data: { budget_id: 'b3', organization_id: 'o3', api_key_id: null },
      },
    ])
    expect(scoped.allKeys).toBe(false)
    expect(scoped.organizations).toEqual(new Set(['o1', 'o3']))
    expect(scoped.apiKeys).toEqual(new Set(['k2']))
  })
})
