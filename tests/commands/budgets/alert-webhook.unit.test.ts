import { describe, expect, it } from 'vitest'
import { backoffMs, budgetAlertBody } from '../../../commands/budgets/alert-webhook.ts'

describe('budget alert webhook body', () => {
  it('sends amounts as exact USD decimal strings and the key of a key budget', () => {
    const body = budgetAlertBody({
      event_id: 'e1',
      budget_id: 'b1',
      organization_id: 'o1',
      api_key_id: 'k1',
      threshold: 0.8,
      period_start: '2026-11-01',
      spent_micros: 300_001,
      limit_micros: 25_000_000,
      crossed_at: '2026-11-20T10:00:00.000Z',
    })
    expect(body).toEqual({
      id: 'e1',
      type: 'BudgetThresholdCrossed',
      organization_id: 'o1',
      budget_id: 'b1',
      api_key_id: 'k1',
      threshold: 0.8,
      period_start: '2026-11-01',
      spent_usd: '0.300001',
      limit_usd: '25.00',
      occurred_at: '2026-11-20T10:00:00.000Z',
    })
  })

  it('doubles the wait after each failure, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(attempt, 1_000, 10_000))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ])
  })
})
