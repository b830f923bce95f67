import pino from 'pino'
import { describe, expect, it, vi } from 'vitest'
import { AppError } from '../../../domain/errors.ts'
import {
  type AdmitDeps,
  admit,
  countInvalidRequest,
  type Hold,
  isRefused,
  type Refused,
} from '../../../gateways/router/admit.ts'
import type { AdmitResult, SettleResult, SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import { keyRecord } from './key-record.ts'

const limit = {
  scope: 'key',
  id: 'k1',
  unit: 'requests',
  per_minute: 60,
  remaining: 59,
  reset_ms: 1000,
} as const

/** A ledger that answers admissions from a script (the memory ledger's behaviour is its own contract). */
function scriptedLedger(
  answers: (AdmitResult | Error)[],
  settled: SettleResult = { kind: 'settled', held_nanos: 100 },
) {
  const calls = { admit: [] as unknown[], settle: [] as unknown[], release: 0, renew: 0 }
  const ledger = {
    admit: async (request: unknown) => {
      calls.admit.push(request)
      const next = answers.shift()
      if (next === undefined) throw new Error('no scripted answer')
      if (next instanceof Error) throw next
      return next
    },
    settle: async (request: unknown) => {
      calls.settle.push(request)
      return settled
    },
    release: async () => {
      calls.release++
    },
    renew: async () => {
      calls.renew++
      return true
    },
  } as unknown as SpendLedger
  return { ledger, calls }
}

function deps(ledger: SpendLedger, fields: Partial<AdmitDeps> = {}): AdmitDeps {
  return {
    ledger,
    seeder: { seed: async () => {} },
    knownPosition: () => '7',
    refreshKey: async (key) => key,
    keyRpm: 600,
    leaseMs: 60_000,
    now: () => new Date('2026-11-26T18:00:00Z'),
    newId: () => 'hold-1',
    log: pino({ level: 'silent' }),
    onFailOpen: () => {},
    onSettleOverHold: () => {},
    ...fields,
  }
}

const wanted = { model: { name: 'm' }, worst_usd: 0.001, worst_tokens: 100 }
const admitted: AdmitResult = { kind: 'admitted', limits: [limit] }
const asHold = (answer: Hold | Refused) => {
  if (isRefused(answer)) throw answer.error
  return answer
}
const asRefused = (answer: Hold | Refused) => {
  if (!isRefused(answer)) throw new Error('admitted')
  return answer
}

describe('the router admission on the spend ledger', () => {
  it('admits with the limit headers and settles exactly once', async () => {
    const { ledger, calls } = scriptedLedger([admitted])
    const hold = asHold(await admit(deps(ledger), keyRecord(), wanted))
    expect(hold.headers['x-ratelimit-remaining-requests']).toBe('59')
    await hold.settle(50, 10)
    await hold.settle(50, 10)
    expect(calls.settle).toEqual([{ organization_id: 'o1', hold_id: 'hold-1', cost_nanos: 50, tokens: 10 }])
  })

  it('releases a request that cost nothing', async () => {
    const { ledger, calls } = scriptedLedger([admitted])
    await asHold(await admit(deps(ledger), keyRecord(), wanted)).settle(0, 0)
    expect(calls).toMatchObject({ release: 1, settle: [] })
  })

  it('counts a cost above the hold', async () => {
    const { ledger } = scriptedLedger([admitted], { kind: 'settled', held_nanos: 10 })
    const onSettleOverHold = vi.fn()
    await asHold(await admit(deps(ledger, { onSettleOverHold }), keyRecord(), wanted)).settle(11, 1)
    expect(onSettleOverHold).toHaveBeenCalledOnce()
  })

  it('renews the lease every lease/3 while the request runs and stops once settled', async () => {
    vi.useFakeTimers()
    try {
      const { ledger, calls } = scriptedLedger([admitted])
      const hold = asHold(await admit(deps(ledger, { leaseMs: 30_000 }), keyRecord(), wanted))
      vi.advanceTimersByTime(25_000)
      expect(calls.renew).toBe(2)
      await hold.settle(1, 1)
      vi.advanceTimersByTime(60_000)
      expect(calls.renew).toBe(2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('seeds unseeded counters, then admits again', async () => {
    const counters = [{ api_key_id: null, period: 'monthly', label: '2026-11', ttl_ms: 1 }] as const
    const { ledger, calls } = scriptedLedger([{ kind: 'unseeded', counters: [...counters] }, admitted])
    const seed = vi.fn(async () => {})
    asHold(await admit(deps(ledger, { seeder: { seed } }), keyRecord(), wanted))
    expect(seed).toHaveBeenCalledWith('o1', 'UTC', counters)
    expect(calls.admit).toHaveLength(2)
  })

  it('answers 503 with Retry-After when seeding fails', async () => {
    const { ledger } = scriptedLedger([{ kind: 'unseeded', counters: [] }])
    const seed = async () => {
      throw new AppError('BUDGET_SEED_UNAVAILABLE', 'usage not readable')
    }
    const refused = asRefused(await admit(deps(ledger, { seeder: { seed } }), keyRecord(), wanted))
    expect(refused.error.code).toBe('BUDGET_SEED_UNAVAILABLE')
    expect(refused.headers['retry-after']).toBe('1')
  })

  it('refreshes the key on stale and asks again with the new record and position', async () => {
    const { ledger, calls } = scriptedLedger([{ kind: 'stale', changed_position: '9' }, admitted])
    let position = '7'
    const refreshKey = async () => {
      position = '9'
      return keyRecord({ rpm_limit: 1 })
    }
    asHold(await admit(deps(ledger, { refreshKey, knownPosition: () => position }), keyRecord(), wanted))
    expect(calls.admit[1]).toMatchObject({
      known_position: '9',
      limits: [expect.objectContaining({ per_minute: 1 })],
    })
  })

  it('answers 503 when still stale after the refresh', async () => {
    const stale: AdmitResult = { kind: 'stale', changed_position: '9' }
    const { ledger } = scriptedLedger([stale, stale])
    const refused = asRefused(await admit(deps(ledger), keyRecord(), wanted))
    expect(refused).toMatchObject({
      error: { code: 'BUDGET_LEDGER_UNAVAILABLE' },
      headers: { 'retry-after': '1' },
    })
  })

  it('goes on when the change it is stale for is past the end of the event log, and only then', async () => {
    const stale: AdmitResult = { kind: 'stale', changed_position: '99' }
    let claimed = '7'
    const beyondLog = async (position: string) => {
      claimed = position
      return true
    }
    const { ledger, calls } = scriptedLedger([stale, stale, admitted])
    asHold(await admit(deps(ledger, { beyondLog, knownPosition: () => claimed }), keyRecord(), wanted))
    expect(calls.admit.at(-1)).toMatchObject({ known_position: '99' })
    const real = scriptedLedger([stale, stale])
    const refused = asRefused(
      await admit(deps(real.ledger, { beyondLog: async () => false }), keyRecord(), wanted),
    )
    expect(refused.error.code).toBe('BUDGET_LEDGER_UNAVAILABLE')
  })

  it('refuses with 503 when the ledger is down, or admits unmetered when the organization chose fail-open', async () => {
    const down = () => new AppError('BUDGET_LEDGER_UNAVAILABLE', 'redis down')
    const closed = asRefused(await admit(deps(scriptedLedger([down()]).ledger), keyRecord(), wanted))
    expect(closed).toMatchObject({
      error: { code: 'BUDGET_LEDGER_UNAVAILABLE' },
      headers: { 'retry-after': '1' },
    })
    const onFailOpen = vi.fn()
    const { ledger, calls } = scriptedLedger([down()])
    const open = asHold(
      await admit(deps(ledger, { onFailOpen }), keyRecord({ organization_limits_fail_open: true }), wanted),
    )
    await open.settle(10, 10)
    expect(onFailOpen).toHaveBeenCalledOnce()
    expect(calls.settle).toEqual([])
  })
})

describe('a request whose body is invalid', () => {
  it('counts against the request limits only, and gives its empty hold back', async () => {
    const { ledger, calls } = scriptedLedger([admitted])
    const key = keyRecord({ tpm_limit: 100, organization_rpm_limit: 50, budgets: [] })
    expect(await countInvalidRequest(deps(ledger), key)).toBeNull()
    expect(calls.admit[0]).toMatchObject({ amount_nanos: 0, tokens: 0, budgets: [], spend: [] })
    expect((calls.admit[0] as { limits: unknown[] }).limits).toEqual([
      { scope: 'key', id: 'k1', unit: 'requests', per_minute: 600 },
      { scope: 'organization', id: 'o1', unit: 'requests', per_minute: 50 },
    ])
    expect(calls.release).toBe(1)
  })

  it('is refused with 429 once the limit is reached', async () => {
    const full = { ...limit, remaining: 0 }
    const { ledger } = scriptedLedger([
      { kind: 'rate_limited', limit: full, retry_after_ms: 900, limits: [full] },
    ])
    const refused = await countInvalidRequest(deps(ledger), keyRecord())
    expect(refused).toMatchObject({ error: { code: 'RATE_LIMITED' }, headers: { 'retry-after': '1' } })
  })
})
