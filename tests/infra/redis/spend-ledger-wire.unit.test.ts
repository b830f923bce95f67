import { describe, expect, it } from 'vitest'
import type { AdmitRequest, CounterRef } from '../../../infra/ports/spend-ledger.ts'
import {
  admitCall,
  keyNames,
  toAdmitResult,
  toCounterStates,
  toSeedResult,
  toSettleResult,
} from '../../../infra/redis/spend-ledger-wire.ts'

// The spend ledger scripts' wire: what the adapter sends (the scripts read it by position) and how
// it reads the flat replies, refusing any reply it cannot read rather than guessing.
const total: CounterRef = { api_key_id: null, period: 'total', label: 'total', ttl_ms: 1000 }
const daily: CounterRef = { api_key_id: 'k', period: 'daily', label: '2026-11-27', ttl_ms: 2000 }
const request: AdmitRequest = {
  organization_id: 'o',
  api_key_id: 'k',
  hold_id: 'h1',
  amount_nanos: 9_007_199_254_740_991,
  tokens: 300,
  spend: [total, daily],
  budgets: [
    { budget_id: 'b-total', counter: total, limit_nanos: 5000, hard: true },
    { budget_id: 'b-daily', counter: daily, limit_nanos: 70, hard: false },
  ],
  limits: [
    { scope: 'key', id: 'k', unit: 'requests', per_minute: 60 },
    { scope: 'model', id: 'gpt', unit: 'tokens', per_minute: 1000 },
  ],
  lease_ms: 60_000,
  known_position: null,
}
const keys = keyNames('p:')

describe('spend ledger wire', () => {
  it('sends every key in KEYS and every value as a decimal string, in the scripts’ order', () => {
    expect(admitCall(keys, request)).toEqual({
      keys: [
        'p:{o}:h:h1',
        'p:{o}:leases',
        'p:changes',
        'p:{o}:c:org:total',
        'p:{o}:c:k:2026-11-27',
        'p:{o}:c:org:total',
        'p:{o}:c:k:2026-11-27',
        'p:{o}:rl:key:k:requests',
        'p:{m:gpt}:rl:model:gpt:tokens',
      ],
      args: [
        'h1',
        'p:{o}:h:',
        '',
        '9007199254740991',
        '60000',
        '2',
        '2',
        '2',
        '5000',
        '1',
        '1000',
        '70',
        '0',
        '2000',
        '1000',
        '2000',
        '60',
        '1',
        'requests',
        '1000',
        '300',
        'tokens',
      ],
    })
  })

  it('reads each kind of admit reply into the port’s result', () => {
    const states = [
      { scope: 'key', id: 'k', unit: 'requests', per_minute: 60, remaining: 59, reset_ms: 1000 },
      { scope: 'model', id: 'gpt', unit: 'tokens', per_minute: 1000, remaining: 700, reset_ms: 18000 },
    ]
    expect(toAdmitResult(request, ['admitted', 59, 1000, 700, 18000])).toEqual({
      kind: 'admitted',
      limits: states,
    })
    expect(toAdmitResult(request, ['stale', '123456789012345678901'])).toEqual({
      kind: 'stale',
      changed_position: '123456789012345678901',
    })
    expect(toAdmitResult(request, ['unseeded', 1])).toEqual({ kind: 'unseeded', counters: [daily] })
    expect(toAdmitResult(request, ['rate_limited', 1, 4200, 59, 1000, 700, 18000])).toEqual({
      kind: 'rate_limited',
      limit: states[1],
      retry_after_ms: 4200,
      limits: states,
    })
    expect(toAdmitResult(request, ['budget_exceeded', 0, '4000', '900', 59, 1000, 700, 18000])).toEqual({
      kind: 'budget_exceeded',
      budget_id: 'b-total',
      spent_nanos: 4000,
      reserved_nanos: 900,
      limit_nanos: 5000,
      limits: states,
    })
  })

  it.each([
    ['not an array', '{"kind":"admitted","states":{}}'],
    ['an unknown kind', ['maybe']],
    ['states for fewer limits', ['admitted', 59, 1000]],
    ['a state that is not a number', ['admitted', 59, '1000', 700, 18000]],
    ['a budget index out of range', ['budget_exceeded', 2, '1', '1', 59, 1000, 700, 18000]],
    ['an amount that is not decimal', ['budget_exceeded', 0, '1e3', '1', 59, 1000, 700, 18000]],
    ['a limit index out of range', ['rate_limited', 2, 10, 59, 1000, 700, 18000]],
    ['unseeded without a counter', ['unseeded']],
  ])('refuses an admit reply with %s', (_, reply) => {
    expect(() => toAdmitResult(request, reply)).toThrow(/malformed admit reply/)
  })

  it('reads settle, seed and counters replies, and refuses malformed ones', () => {
    expect(toSettleResult('9007199254740991')).toEqual({ kind: 'settled', held_nanos: 9_007_199_254_740_991 })
    expect(toSettleResult(null)).toEqual({ kind: 'unknown' })
    expect(() => toSettleResult(1)).toThrow(/malformed settle reply/)
    expect(toSeedResult(['10', '25'])).toEqual({ before_nanos: 10, after_nanos: 25 })
    expect(() => toSeedResult(['10'])).toThrow(/malformed seed reply/)
    expect(toCounterStates([['5', '2', '1']], 1)).toEqual([
      { spent_nanos: 5, reserved_nanos: 2, seeded: true },
    ])
    expect(() => toCounterStates([['5', '2', '1']], 2)).toThrow(/malformed counters reply/)
    expect(() => toCounterStates([['5', null, '1']], 1)).toThrow(/malformed counters reply/)
  })
})
