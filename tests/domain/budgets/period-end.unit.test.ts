import { describe, expect, it } from 'vitest'
import { periodEnd } from '../../../domain/budgets/period.ts'

describe('when a budget period ends, in the organization time zone', () => {
  const instant = new Date('2026-11-26T18:00:00Z')

  it('ends a daily period at the next local midnight', () => {
    // 18:00 UTC is already 27 November 03:00 in Tokyo: its day ends at 28 November 00:00 (+09:00).
    expect(periodEnd('daily', 'Asia/Tokyo', instant)?.toISOString()).toBe('2026-11-27T15:00:00.000Z')
    expect(periodEnd('daily', 'UTC', instant)?.toISOString()).toBe('2026-11-27T00:00:00.000Z')
  })

  it('ends a monthly period on the first of the next local month', () => {
    expect(periodEnd('monthly', 'America/New_York', instant)?.toISOString()).toBe('2026-12-01T05:00:00.000Z')
    expect(periodEnd('monthly', 'UTC', new Date('2026-12-31T23:59:59Z'))?.toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    )
  })

  it('ends a day whose midnight a DST change skips at its first instant', () => {
    // Santiago moves its clocks from 00:00 to 01:00 on 6 September 2026: the day starts at 04:00 UTC.
    expect(periodEnd('daily', 'America/Santiago', new Date('2026-09-05T12:00:00Z'))?.toISOString()).toBe(
      '2026-09-06T04:00:00.000Z',
    )
  })

  it('never ends a total', () => {
    expect(periodEnd('total', 'UTC', instant)).toBeNull()
  })
})
