import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { localDate, periodBounds, periodOf } from '../../../domain/budgets/period.ts'

const ZONES = [
  'UTC',
  'Asia/Tokyo',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe', // a 30-minute DST shift
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/Santiago', // midnight skipped on the DST day
  'America/Havana', // midnight skipped on the DST day
] as const

const instants = fc.date({
  min: new Date('2020-01-01T00:00:00Z'),
  max: new Date('2035-12-31T00:00:00Z'),
  noInvalidDate: true,
})

describe('the bounds of a budget period, in the organization time zone', () => {
  it('starts a daily period at local midnight and a monthly one on the local first', () => {
    const instant = new Date('2026-11-26T18:00:00Z')
    // 18:00 UTC is 27 November 03:00 in Tokyo.
    expect(periodBounds('daily', 'Asia/Tokyo', instant).start?.toISOString()).toBe('2026-11-26T15:00:00.000Z')
    expect(periodBounds('monthly', 'America/New_York', instant).start?.toISOString()).toBe(
      '2026-11-01T04:00:00.000Z',
    )
    expect(periodBounds('total', 'UTC', instant)).toEqual({ start: null, end: null })
  })

  it('starts a day whose midnight a DST change skips at its first instant', () => {
    // Santiago moves its clocks from 00:00 to 01:00 on 6 September 2026: the day starts at 04:00 UTC.
    expect(
      periodBounds('daily', 'America/Santiago', new Date('2026-09-06T12:00:00Z')).start?.toISOString(),
    ).toBe('2026-09-06T04:00:00.000Z')
  })

  it('gives 23 and 25 hour days on the DST changes', () => {
    const spring = periodBounds('daily', 'Europe/Berlin', new Date('2026-03-29T12:00:00Z'))
    const autumn = periodBounds('daily', 'Europe/Berlin', new Date('2026-10-25T12:00:00Z'))
    expect((spring.end?.getTime() ?? 0) - (spring.start?.getTime() ?? 0)).toBe(23 * 3_600_000)
    expect((autumn.end?.getTime() ?? 0) - (autumn.start?.getTime() ?? 0)).toBe(25 * 3_600_000)
  })

  it('holds now, starts on the label date, and touches the next period', () => {
    fc.assert(
      fc.property(
        instants,
        fc.constantFrom(...ZONES),
        fc.constantFrom('daily' as const, 'monthly' as const),
        (now, zone, period) => {
          const { start, end } = periodBounds(period, zone, now)
          if (!start || !end) throw new Error('a daily or monthly period has bounds')
          expect(start.getTime()).toBeLessThanOrEqual(now.getTime())
          expect(now.getTime()).toBeLessThan(end.getTime())
          const label = periodOf(period, zone, now).label
          expect(localDate(start, zone).startsWith(label)).toBe(true)
          if (period === 'monthly') expect(localDate(start, zone).endsWith('-01')).toBe(true)
          // The instant before the start is in the previous period; the end starts the next one.
          expect(periodOf(period, zone, new Date(start.getTime() - 1)).label).not.toBe(label)
          expect(periodBounds(period, zone, end).start?.getTime()).toBe(end.getTime())
        },
      ),
      { numRuns: 200 },
    )
  })
})
