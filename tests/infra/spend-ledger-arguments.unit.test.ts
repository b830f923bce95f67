import { describe, expect, it } from 'vitest'
import type { AdmitRequest, CounterRef } from '../../infra/ports/spend-ledger.ts'
import {
  assertAdmit,
  assertCounters,
  assertHold,
  assertPosition,
  assertSeed,
  assertSettle,
} from '../../infra/spend-ledger-arguments.ts'

// The hand-written checks both spend ledgers run before anything: every field that could round
// money or break a script is refused with BUDGET_ARGUMENT_INVALID and the path of the field.
const total: CounterRef = { api_key_id: null, period: 'total', label: 'total', ttl_ms: 1000 }
const valid: AdmitRequest = {
  organization_id: 'o',
  api_key_id: 'k',
  hold_id: 'h',
  amount_nanos: 100,
  tokens: 10,
  spend: [total, { ...total, api_key_id: 'k' }],
  budgets: [{ budget_id: 'b', counter: total, limit_nanos: 1000, hard: true }],
  limits: [{ scope: 'model', id: 'm', unit: 'tokens', per_minute: 1000 }],
  lease_ms: 60_000,
  known_position: '12',
}

/** The issue paths a call was refused with, or [] when it passed. */
function refused(call: () => void): string[] {
  try {
    call()
    return []
  } catch (error) {
    expect(error).toMatchObject({ code: 'BUDGET_ARGUMENT_INVALID' })
    const issues = (error as { details?: { issues?: string[] } }).details?.issues ?? ['(no issues)']
    return issues.map((issue) => issue.slice(0, issue.indexOf(':')))
  }
}

describe('spend ledger arguments', () => {
  it('accepts a valid admission, with or without a known position', () => {
    expect(refused(() => assertAdmit(valid))).toEqual([])
    expect(refused(() => assertAdmit({ ...valid, known_position: null, budgets: [], limits: [] }))).toEqual(
      [],
    )
  })

  it.each([
    ['amount_nanos', { amount_nanos: 2 ** 53 }],
    ['amount_nanos', { amount_nanos: 1.5 }],
    ['amount_nanos', { amount_nanos: -1 }],
    ['tokens', { tokens: Number.NaN }],
    ['hold_id', { hold_id: '' }],
    ['lease_ms', { lease_ms: 0 }],
    ['known_position', { known_position: '12a' }],
    ['spend.1.ttl_ms', { spend: [total, { ...total, ttl_ms: 0 }] }],
    ['spend.0.period', { spend: [{ ...total, period: 'weekly' as CounterRef['period'] }] }],
    [
      'budgets.0.limit_nanos',
      { budgets: [{ budget_id: 'b', counter: total, limit_nanos: 2 ** 60, hard: true }] },
    ],
    [
      'budgets.0.counter.label',
      { budgets: [{ budget_id: 'b', counter: { ...total, label: '' }, limit_nanos: 1, hard: true }] },
    ],
    [
      'limits.0.per_minute',
      { limits: [{ scope: 'key' as const, id: 'k', unit: 'requests' as const, per_minute: 1e13 }] },
    ],
    [
      'limits.0.unit',
      { limits: [{ scope: 'key' as const, id: 'k', unit: 'bytes' as 'tokens', per_minute: 1 }] },
    ],
  ])('refuses an admission with a wrong %s', (path, override) => {
    expect(refused(() => assertAdmit({ ...valid, ...override }))).toEqual([path])
  })

  it('refuses a wrong settle, hold, seed, counters or position, and accepts right ones', () => {
    const settle = { organization_id: 'o', hold_id: 'h', cost_nanos: 5, tokens: 0 }
    expect(refused(() => assertSettle(settle))).toEqual([])
    expect(refused(() => assertSettle({ ...settle, cost_nanos: -1, tokens: 0.5 }))).toEqual([
      'cost_nanos',
      'tokens',
    ])
    expect(refused(() => assertHold('o', 'h', 1000))).toEqual([])
    expect(refused(() => assertHold('o', '', 0))).toEqual(['hold_id', 'lease_ms'])
    expect(refused(() => assertSeed('o', total, 0))).toEqual([])
    expect(refused(() => assertSeed('o', total, Number.NaN))).toEqual(['recorded_nanos'])
    expect(refused(() => assertCounters('o', [total]))).toEqual([])
    expect(refused(() => assertCounters('o', [{ ...total, api_key_id: '' }]))).toEqual(['refs.0.api_key_id'])
    expect(refused(() => assertPosition('0042'))).toEqual([])
    expect(refused(() => assertPosition('-1'))).toEqual(['position'])
  })
})
