import { describe, expect, it } from 'vitest'
import { isAppError } from '../../../domain/errors.ts'
import { createSpendSeeder } from '../../../gateways/router/spend-seeder.ts'
import type { RecordedSpend } from '../../../infra/ports/recorded-spend.ts'
import type { CounterRef, SpendLedger } from '../../../infra/ports/spend-ledger.ts'

const NOW = new Date('2026-11-26T18:00:00Z') // 27 November 03:00 in Tokyo

const daily: CounterRef = { api_key_id: 'key-1', period: 'daily', label: '2026-11-27', ttl_ms: 1 }
const monthly: CounterRef = { api_key_id: null, period: 'monthly', label: '2026-11', ttl_ms: 1 }
const total: CounterRef = { api_key_id: null, period: 'total', label: 'total', ttl_ms: 1 }

function fakeLedger() {
  const seeds: Array<{ organization_id: string; counter: CounterRef; recorded_nanos: number }> = []
  const ledger = {
    async seed(organization_id: string, counter: CounterRef, recorded_nanos: number) {
      seeds.push({ organization_id, counter, recorded_nanos })
      return { before_nanos: 0, after_nanos: recorded_nanos }
    },
  } as unknown as SpendLedger
  return { ledger, seeds }
}

describe('seeding spend counters from the recorded usage', () => {
  it('reads the spend since each period started in the organization time zone and seeds it', async () => {
    const reads: Array<[string, string | null, string | null]> = []
    const recorded: RecordedSpend = {
      async spentNanos(organization_id, api_key_id, from) {
        reads.push([organization_id, api_key_id, from?.toISOString() ?? null])
        return 1_000 * reads.length
      },
    }
    const { ledger, seeds } = fakeLedger()
    await createSpendSeeder({ ledger, recorded, now: () => NOW }).seed('org-1', 'Asia/Tokyo', [
      daily,
      monthly,
      total,
    ])
    expect(reads).toEqual([
      ['org-1', 'key-1', '2026-11-26T15:00:00.000Z'],
      ['org-1', null, '2026-10-31T15:00:00.000Z'],
      ['org-1', null, null],
    ])
    expect(seeds.map((seed) => [seed.counter.label, seed.recorded_nanos])).toEqual([
      ['2026-11-27', 1_000],
      ['2026-11', 2_000],
      ['total', 3_000],
    ])
  })

  it('shares one read between concurrent seeds of the same counter', async () => {
    let reads = 0
    let answer: (nanos: number) => void = () => {}
    const recorded: RecordedSpend = {
      spentNanos: () => {
        reads += 1
        return new Promise((resolve) => {
          answer = resolve
        })
      },
    }
    const { ledger, seeds } = fakeLedger()
    const seeder = createSpendSeeder({ ledger, recorded, now: () => NOW })
    const both = Promise.all([seeder.seed('org-1', 'UTC', [total]), seeder.seed('org-1', 'UTC', [total])])
    await expect.poll(() => reads).toBe(1)
    answer(42)
    await both
    expect(seeds).toHaveLength(1)
    // Once settled, a later seed reads again (the ledger may have lost the counter since).
    answer = () => {}
    const later = seeder.seed('org-1', 'UTC', [total])
    await expect.poll(() => reads).toBe(2)
    answer(43)
    await later
    expect(seeds.map((seed) => seed.recorded_nanos)).toEqual([42, 43])
  })

  it('refuses with BUDGET_SEED_UNAVAILABLE when the recorded usage cannot be read, seeding nothing', async () => {
    const recorded: RecordedSpend = { spentNanos: () => Promise.reject(new Error('connection refused')) }
    const { ledger, seeds } = fakeLedger()
    const failure = await createSpendSeeder({ ledger, recorded, now: () => NOW })
      .seed('org-1', 'UTC', [total])
      .catch((error: unknown) => error)
    expect(isAppError(failure) && failure.code).toBe('BUDGET_SEED_UNAVAILABLE')
    expect(seeds).toEqual([])
  })
})
