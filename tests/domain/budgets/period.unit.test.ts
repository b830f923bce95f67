import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { usdOf } from '../../../domain/budgets/amounts.ts'
import { localDate, periodOf } from '../../../domain/budgets/period.ts'

describe('budget periods in the organization time zone', () => {
  // 23:30 UTC on 30 November is already 1 December in Tokyo (UTC+9) and still 30 November in New York.
  const instant = new Date('2026-11-30T23:30:00Z')

  it('names the day and month of the organization, not of UTC', () => {
    expect(periodOf('daily', 'UTC', instant)).toMatchObject({ label: '2026-11-30', start: '2026-11-30' })
    expect(periodOf('daily', 'Asia/Tokyo', instant)).toMatchObject({
      label: '2026-12-01',
      start: '2026-12-01',
    })
    expect(periodOf('monthly', 'Asia/Tokyo', instant)).toMatchObject({
      label: '2026-12',
      start: '2026-12-01',
    })
    expect(periodOf('monthly', 'America/New_York', instant)).toMatchObject({
      label: '2026-11',
      start: '2026-11-01',
    })
    expect(periodOf('total', 'Asia/Tokyo', instant)).toMatchObject({ label: 'total', start: 'total' })
  })

  it('keeps a counter past the end of its period', () => {
    expect(periodOf('daily', 'UTC', instant).ttlMs).toBeGreaterThan(86_400_000)
    expect(periodOf('monthly', 'UTC', instant).ttlMs).toBeGreaterThan(31 * 86_400_000)
  })

  it('shows a limit in exact dollars', () => {
    expect(usdOf(25_000_000)).toBe('25.00')
    expect(usdOf(12_500_000)).toBe('12.50')
    expect(usdOf(1_234_500)).toBe('1.2345')
    expect(usdOf(1)).toBe('0.000001')
    expect(usdOf(9_000_000_000_000)).toBe('9000000.00')
  })
})

describe('the local date read once per zone and minute', () => {
  const uncached = (now: Date, timeZone: string) =>
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      now,
    )

  it('equals a fresh reading at every instant, across midnights, DST changes and zones', () => {
    const zones = [
      'UTC',
      'Asia/Tokyo',
      'America/New_York',
      'Asia/Kolkata',
      'Asia/Kathmandu',
      'Pacific/Chatham',
    ]
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.date({
          min: new Date('1960-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.array(fc.integer({ min: -120_000, max: 120_000 }), { maxLength: 8 }),
        (zone, start, steps) => {
          // Readings walk in small steps (as requests do) so a cached minute is crossed often.
          let at = start.getTime()
          for (const step of [0, ...steps]) {
            at += step
            const now = new Date(at)
            expect(localDate(now, zone)).toBe(uncached(now, zone))
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
