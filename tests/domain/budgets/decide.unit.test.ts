import { describe, expect, it } from 'vitest'
import type { ApiKey } from '../../../domain/api-keys/api-key.ts'
import { type BudgetEvent, budgetIdFor } from '../../../domain/budgets/budget.ts'
import type { CreateBudget } from '../../../domain/budgets/decide.ts'
import { budgetDecider } from '../../../domain/budgets/decider.ts'
import {
  evolve as evolveOrganization,
  initialState as noOrganization,
  type Organization,
  type OrganizationEvent,
} from '../../../domain/organizations/organization.ts'
import { specFor } from '../../support/decider.ts'

const given = specFor(budgetDecider)
const now = '2026-11-26T10:00:00.000Z'
const later = '2026-11-26T11:00:00.000Z'
const organization_id = '0190a8e2-0000-7000-8000-000000000001'
const api_key_id = '0190a8e2-0000-7000-8000-0000000000a1'
const budget_id = budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })

const organization = (...events: OrganizationEvent[]): Organization =>
  [
    { type: 'OrganizationCreated' as const, data: { organization_id, name: 'Acme', created_at: now } },
    ...events,
  ].reduce(evolveOrganization, noOrganization)

const key = (fields: Partial<{ organization_id: string; revoked: boolean }> = {}): ApiKey => {
  const base = {
    api_key_id,
    organization_id: fields.organization_id ?? organization_id,
    name: 'ci',
    key_hash: 'a'.repeat(64),
    key_prefix: 'sk-aiaas-x',
  }
  return fields.revoked ? { status: 'Revoked', revoked_at: now, ...base } : { status: 'Active', ...base }
}

const create = (
  fields: Partial<CreateBudget['data']> = {},
  org = organization(),
  apiKey: ApiKey | null = null,
) =>
  ({
    type: 'CreateBudget',
    data: {
      budget_id,
      organization_id,
      api_key_id: null,
      limit_usd: '25.00',
      period: 'monthly',
      enforcement: 'hard',
      alert_thresholds: [0.8, 0.5],
      now,
      ...fields,
    },
    organization: org,
    apiKey,
  }) satisfies CreateBudget

const created: BudgetEvent = {
  type: 'BudgetCreated',
  data: {
    budget_id,
    organization_id,
    api_key_id: null,
    limit_micros: 25_000_000,
    period: 'monthly',
    enforcement: 'hard',
    alert_thresholds: [0.5, 0.8],
    created_at: now,
  },
}
const deleted: BudgetEvent = {
  type: 'BudgetDeleted',
  data: { budget_id, organization_id, deleted_at: later },
}

describe('budget decider: create', () => {
  it('creates a budget with its limit in integer micro-USD and its thresholds sorted', () => {
    given([]).when(create()).then([created])
  })

  it('creates a key budget for a key of the organization', () => {
    const event = { type: 'BudgetCreated' as const, data: { ...created.data, api_key_id } }
    given([])
      .when(create({ api_key_id }, organization(), key()))
      .then([event as BudgetEvent])
  })

  it('refuses a key of another organization, an unknown key and a revoked key', () => {
    const other = key({ organization_id: '0190a8e2-0000-7000-8000-000000000002' })
    given([])
      .when(create({ api_key_id }, organization(), other))
      .thenThrows('BUDGET_KEY_NOT_IN_ORGANIZATION')
    given([])
      .when(create({ api_key_id }, organization(), null))
      .thenThrows('API_KEY_NOT_FOUND')
    given([])
      .when(create({ api_key_id }, organization(), key({ revoked: true })))
      .thenThrows('API_KEY_ALREADY_REVOKED')
  })

  it('refuses an unknown or closed organization', () => {
    given([]).when(create({}, noOrganization)).thenThrows('ORG_NOT_FOUND')
    const closed = organization({ type: 'OrganizationClosed', data: { organization_id, closed_at: now } })
    given([]).when(create({}, closed)).thenThrows('ORG_CLOSED')
  })

  it('refuses a second budget for the same scope, and allows one again after a delete', () => {
    given([created]).when(create()).thenThrows('BUDGET_ALREADY_EXISTS')
    given([created, deleted]).when(create()).then([created])
  })

  it('refuses a negative, malformed, too precise or too large limit', () => {
    for (const limit_usd of [
      '-1',
      '-0.01',
      '1e3',
      '25.',
      '.5',
      '1.1234567',
      'abc',
      '',
      '9000000.000001',
      ' 5',
    ]) {
      given([]).when(create({ limit_usd })).thenThrows('BUDGET_LIMIT_INVALID')
    }
  })

  it('accepts a zero limit and the largest one', () => {
    const event = (limit_micros: number) =>
      ({ ...created, data: { ...created.data, limit_micros } }) as BudgetEvent
    given([])
      .when(create({ limit_usd: '0' }))
      .then([event(0)])
    given([])
      .when(create({ limit_usd: '9000000.000000' }))
      .then([event(9_000_000_000_000)])
    given([])
      .when(create({ limit_usd: '0.000001' }))
      .then([event(1)])
  })

  it('refuses thresholds out of (0, 1], repeated, or more than ten', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => (i + 1) / 11)
    for (const alert_thresholds of [[0], [1.01], [-0.5], [0.5, 0.5], eleven, [Number.NaN]]) {
      given([]).when(create({ alert_thresholds })).thenThrows('BUDGET_THRESHOLDS_INVALID')
    }
  })
})

describe('budget decider: change and delete', () => {
  const change = (fields: object) => ({
    type: 'ChangeBudget' as const,
    data: { budget_id, now: later, ...fields },
  })

  it('records only the fields that changed', () => {
    given([created])
      .when(change({ limit_usd: '30', enforcement: 'hard', alert_thresholds: [0.8, 0.5] }))
      .then([
        {
          type: 'BudgetChanged',
          data: { budget_id, organization_id, limit_micros: 30_000_000, changed_at: later },
        },
      ])
    given([created])
      .when(change({ enforcement: 'soft', alert_thresholds: [0.9] }))
      .then([
        {
          type: 'BudgetChanged',
          data: {
            budget_id,
            organization_id,
            enforcement: 'soft',
            alert_thresholds: [0.9],
            changed_at: later,
          },
        },
      ])
  })

  it('changes nothing when nothing differs (a retried PATCH adds no event)', () => {
    given([created])
      .when(change({ limit_usd: '25.000000' }))
      .then([])
  })

  it('refuses a bad limit or thresholds in a change', () => {
    given([created])
      .when(change({ limit_usd: '-3' }))
      .thenThrows('BUDGET_LIMIT_INVALID')
    given([created])
      .when(change({ alert_thresholds: [2] }))
      .thenThrows('BUDGET_THRESHOLDS_INVALID')
  })

  it('deletes a budget once; change or delete of a deleted or unknown budget is refused', () => {
    const remove = { type: 'DeleteBudget' as const, data: { budget_id, now: later } }
    given([created]).when(remove).then([deleted])
    given([created, deleted]).when(remove).thenThrows('BUDGET_DELETED')
    given([created, deleted])
      .when(change({ limit_usd: '1' }))
      .thenThrows('BUDGET_DELETED')
    given([]).when(remove).thenThrows('BUDGET_NOT_FOUND')
    given([])
      .when(change({ limit_usd: '1' }))
      .thenThrows('BUDGET_NOT_FOUND')
  })
})

describe('budget decider: thresholds, once per threshold per period', () => {
  const cross = (threshold: number, period_start = '2026-11-01', spent_micros = 20_000_000) => ({
    type: 'RecordThresholdCrossed' as const,
    data: { budget_id, threshold, period_start, spent_micros, now: later },
  })
  const crossed = (
    threshold: number,
    period_start = '2026-11-01',
    spent_micros = 20_000_000,
  ): BudgetEvent => ({
    type: 'BudgetThresholdCrossed',
    data: {
      budget_id,
      organization_id,
      threshold,
      period_start,
      spent_micros,
      limit_micros: 25_000_000,
      crossed_at: later,
    },
  })

  it('records a threshold the spend has reached', () => {
    given([created])
      .when(cross(0.5))
      .then([crossed(0.5)])
    given([created])
      .when(cross(0.8))
      .then([crossed(0.8)])
  })

  it('records a threshold once per period: again in the same period is a no-op', () => {
    given([created, crossed(0.5)])
      .when(cross(0.5))
      .then([])
    given([created, crossed(0.5)])
      .when(cross(0.8))
      .then([crossed(0.8)])
  })

  it('records it again in the next period, and ignores a crossing of a period older than the latest', () => {
    given([created, crossed(0.5)])
      .when(cross(0.5, '2026-12-01'))
      .then([crossed(0.5, '2026-12-01')])
    given([created, crossed(0.5, '2026-12-01')])
      .when(cross(0.8, '2026-11-01'))
      .then([])
  })

  it('refuses a threshold the budget does not have, or one the spend has not reached', () => {
    given([created]).when(cross(0.9)).thenThrows('BUDGET_THRESHOLD_UNKNOWN')
    given([created])
      .when(cross(0.5, '2026-11-01', 12_499_999))
      .thenThrows('BUDGET_THRESHOLD_NOT_REACHED')
    given([created, deleted]).when(cross(0.5)).thenThrows('BUDGET_DELETED')
  })

  it('starts counting crossings afresh when a deleted budget is created again', () => {
    given([created, crossed(0.5), deleted, created])
      .when(cross(0.5))
      .then([crossed(0.5)])
  })
})

describe('budget ids', () => {
  it('derive from the scope: one id per (organization, key or none, period), a valid UUID', () => {
    const org = budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })
    expect(budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })).toBe(org)
    expect(budgetIdFor({ organization_id, api_key_id: null, period: 'daily' })).not.toBe(org)
    expect(budgetIdFor({ organization_id, api_key_id, period: 'monthly' })).not.toBe(org)
    expect(org).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})
