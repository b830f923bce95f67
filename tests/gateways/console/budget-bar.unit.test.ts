import { describe, expect, it } from 'vitest'
import {
  type BudgetSpend,
  budgetBar,
  parseThresholds,
  resetText,
  thresholdsText,
} from '../../../gateways/console/src/pages/budget-bar.ts'

const spend = (over: Partial<BudgetSpend> & { spent?: string; reserved?: string } = {}): BudgetSpend => ({
  budget_id: '0193c9a0-0000-7000-8000-000000000001',
  api_key_id: null,
  period: 'monthly',
  enforcement: 'hard',
  period_start: '2026-11-01T00:00:00.000Z',
  resets_at: '2026-12-01T00:00:00.000Z',
  limit_usd: '10.00',
  recorded_spend_usd: '0.00',
  ledger: { spent_usd: over.spent ?? '0.00', reserved_usd: over.reserved ?? '0.00', seeded: true },
  ...over,
})

describe('a budget bar', () => {
  it('fills to the spend against the limit and says it in words', () => {
    const bar = budgetBar(spend({ recorded_spend_usd: '2.50' }), [0.5, 0.8])
    expect(bar.spent).toBeCloseTo(0.25)
    expect(bar.state).toBe('ok')
    expect(bar.label).toBe('$2.50 of $10.00 (25 %)')
    expect(bar.marks).toEqual([
      { at: 0.5, reached: false },
      { at: 0.8, reached: false },
    ])
  })

  it('shows the router ledger when it is ahead of the recorded spend, so it never shows room a caller is refused', () => {
    const bar = budgetBar(spend({ recorded_spend_usd: '1.00', spent: '8.00' }), [0.8])
    expect(bar.label).toBe('$8.00 of $10.00 (80 %)')
    expect(bar.state).toBe('warning')
    expect(bar.marks[0]?.reached).toBe(true)
  })

  it('adds what requests in flight hold after the spend, never past the end of the bar', () => {
    const bar = budgetBar(spend({ recorded_spend_usd: '6.00', reserved: '9.00' }), [])
    expect(bar.spent).toBeCloseTo(0.6)
    expect(bar.reserved).toBeCloseTo(0.4)
  })

  it('is over at the limit, full but not beyond it, and a zero limit with spend is over', () => {
    const over = budgetBar(spend({ recorded_spend_usd: '12.00' }), [0.5])
    expect(over.state).toBe('over')
    expect(over.spent).toBe(1)
    expect(over.label).toBe('$12.00 of $10.00 (120 %)')
    const zero = budgetBar(spend({ limit_usd: '0.00', recorded_spend_usd: '0.01' }), [])
    expect(zero.state).toBe('over')
    expect(zero.label).toBe('$0.01 of $0.00')
    expect(budgetBar(spend({ limit_usd: '0.00' }), []).state).toBe('ok')
  })

  it('sorts thresholds and says when the period resets', () => {
    expect(budgetBar(spend(), [1, 0.5]).marks.map((m) => m.at)).toEqual([0.5, 1])
    expect(resetText('2026-12-01T00:00:00.000Z')).toBe('Resets 2026-12-01 00:00 UTC')
    expect(resetText(null)).toBe('Never resets')
  })
})

describe('the thresholds field', () => {
  it('reads percentages into the fractions the API takes, sorted and distinct', () => {
    expect(parseThresholds('80, 50 100%')).toEqual({ ok: true, value: [0.5, 0.8, 1] })
    expect(parseThresholds('50,50')).toEqual({ ok: true, value: [0.5] })
    expect(parseThresholds('')).toEqual({ ok: true, value: [] })
    expect(thresholdsText([0.5, 0.805, 1])).toBe('50, 80.5, 100')
  })

  it('refuses what the API would refuse, naming it', () => {
    expect(parseThresholds('0')).toMatchObject({ ok: false, error: expect.stringContaining('"0"') })
    expect(parseThresholds('120')).toMatchObject({ ok: false })
    expect(parseThresholds('half')).toMatchObject({ ok: false })
    expect(parseThresholds('1 2 3 4 5 6 7 8 9 10 11')).toEqual({ ok: false, error: 'at most 10 thresholds' })
  })
})
