import { describe, expect, it } from 'vitest'
import { admitRequest, DEFAULT_LEASE_MS } from '../../../gateways/router/admission.ts'
import { budgetExceeded, rateLimited } from '../../../gateways/router/admission-refusal.ts'
import { limitHeaders, openAiDuration } from '../../../gateways/router/limit-headers.ts'
import type { LimitState } from '../../../infra/ports/spend-ledger.ts'
import { keyRecord } from './key-record.ts'

const now = new Date('2026-11-26T18:00:00Z')
const budgets = [
  { budget_id: 'b-org', api_key_id: null, limit_micros: 5_000_000, period: 'monthly', enforcement: 'hard' },
  { budget_id: 'b-key', api_key_id: 'k1', limit_micros: 1_000_000, period: 'daily', enforcement: 'soft' },
] as const
const key = keyRecord({ organization_timezone: 'Asia/Tokyo', budgets: [...budgets] })
const input = {
  key,
  model: { name: 'm' },
  hold_id: 'h1',
  worst_usd: 0.0123,
  worst_tokens: 900,
  now,
  key_rpm: 600,
  lease_ms: DEFAULT_LEASE_MS,
  known_position: '42',
}
const state = (fields: Partial<LimitState>): LimitState => ({
  scope: 'key',
  id: 'k1',
  unit: 'requests',
  per_minute: 60,
  remaining: 10,
  reset_ms: 6000,
  ...fields,
})

describe('the admission the router asks the spend ledger for', () => {
  it('names the six spend counters in the organization time zone and every budget', () => {
    const request = admitRequest(input)
    expect(request).toMatchObject({
      amount_nanos: 12_300_000,
      tokens: 900,
      known_position: '42',
      lease_ms: 60_000,
    })
    expect(request.spend.map((c) => [c.api_key_id, c.label])).toEqual([
      [null, '2026-11-27'],
      [null, '2026-11'],
      [null, 'total'],
      ['k1', '2026-11-27'],
      ['k1', '2026-11'],
      ['k1', 'total'],
    ])
    expect(request.budgets).toEqual([
      expect.objectContaining({ budget_id: 'b-org', limit_nanos: 5_000_000_000, hard: true }),
      expect.objectContaining({ budget_id: 'b-key', limit_nanos: 1_000_000_000, hard: false }),
    ])
    expect(request.budgets[1]?.counter).toMatchObject({
      api_key_id: 'k1',
      period: 'daily',
      label: '2026-11-27',
    })
  })

  it('checks the key RPM default and only the limits that are set', () => {
    expect(admitRequest(input).limits).toEqual([
      { scope: 'key', id: 'k1', unit: 'requests', per_minute: 600 },
    ])
    const limited = admitRequest({
      ...input,
      key: { ...key, rpm_limit: 5, tpm_limit: 100, organization_rpm_limit: 50, organization_tpm_limit: 1000 },
      model: { name: 'm', rpm_limit: 7, tpm_limit: null },
    })
    expect(limited.limits.map((l) => `${l.scope}:${l.unit}:${l.per_minute}`)).toEqual([
      'key:requests:5',
      'key:tokens:100',
      'organization:requests:50',
      'organization:tokens:1000',
      'model:requests:7',
    ])
  })
})

describe("OpenAI's rate-limit headers", () => {
  it('writes durations as OpenAI does', () => {
    expect([20, 6000, 1500, 60_000, 3_723_000].map(openAiDuration)).toEqual([
      '20ms',
      '6s',
      '1.5s',
      '1m0s',
      '1h2m3s',
    ])
  })

  it('shows the most restrictive limit of each unit', () => {
    const headers = limitHeaders([
      state({ per_minute: 600, remaining: 500 }),
      state({ scope: 'organization', per_minute: 50, remaining: 3, reset_ms: 60_000 }),
      state({ unit: 'tokens', per_minute: 1000, remaining: 99.5, reset_ms: 200 }),
    ])
    expect(headers).toEqual({
      'x-ratelimit-limit-requests': '50',
      'x-ratelimit-remaining-requests': '3',
      'x-ratelimit-reset-requests': '1m0s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '99',
      'x-ratelimit-reset-tokens': '200ms',
    })
  })
})

describe('a refused admission', () => {
  it('names the limit reached and says when to retry', () => {
    const limit = state({ scope: 'organization', id: 'o1', unit: 'tokens', per_minute: 1000, remaining: 0 })
    const refusal = rateLimited({ kind: 'rate_limited', limit, retry_after_ms: 1200, limits: [limit] })
    expect(refusal.error.code).toBe('RATE_LIMITED')
    expect(refusal.error.message).toContain('1000 tokens per minute for the organization (o1)')
    expect(refusal.headers).toMatchObject({ 'retry-after': '2', 'x-ratelimit-remaining-tokens': '0' })
  })

  it('names the budget, whose it is, its period and when it resets', () => {
    const result = {
      kind: 'budget_exceeded' as const,
      budget_id: 'b-org',
      spent_nanos: 4_990_000_000,
      reserved_nanos: 0,
      limit_nanos: 5_000_000_000,
      limits: [],
    }
    const refusal = budgetExceeded(result, key, now)
    expect(refusal.error.code).toBe('BUDGET_EXCEEDED')
    expect(refusal.error.message).toContain('monthly budget b-org of the organization')
    // Tokyo's next month starts at 1 December 00:00 +09:00.
    expect(refusal.error.message).toContain('it resets at 2026-11-30T15:00:00.000Z')
    expect(refusal.error.details).toMatchObject({ resets_at: '2026-11-30T15:00:00.000Z' })
  })

  it('says a total budget never resets', () => {
    const total = keyRecord({
      budgets: [
        { budget_id: 'b-t', api_key_id: 'k1', limit_micros: 1, period: 'total', enforcement: 'hard' },
      ],
    })
    const result = {
      kind: 'budget_exceeded' as const,
      budget_id: 'b-t',
      spent_nanos: 1000,
      reserved_nanos: 0,
      limit_nanos: 1000,
      limits: [],
    }
    expect(budgetExceeded(result, total, now).error.message).toMatch(
      /total budget b-t of this API key: .* it never resets/,
    )
  })
})
