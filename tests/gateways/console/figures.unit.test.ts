import { describe, expect, it } from 'vitest'
import {
  formatBytes,
  formatInstant,
  formatMs,
  formatPercent,
  formatUsd,
  isoToUtcInput,
  utcInputToIso,
} from '../../../gateways/console/src/pages/figures.ts'

describe('console figures', () => {
  it('writes the API exact decimals as dollars without rounding them', () => {
    expect(formatUsd('25')).toBe('$25.00')
    expect(formatUsd('1234567.5')).toBe('$1,234,567.50')
    expect(formatUsd('0.000000001')).toBe('$0.000000001')
    expect(formatUsd('007.10')).toBe('$7.10')
    expect(formatUsd('not money')).toBe('not money')
  })

  it('writes durations, rates, sizes and instants as people read them', () => {
    expect(formatMs(null)).toBe('—')
    expect(formatMs(849.6)).toBe('850 ms')
    expect(formatMs(1250)).toBe('1.25 s')
    expect(formatMs(60_000)).toBe('1 min')
    expect(formatMs(125_000)).toBe('2 min 5 s')
    expect(formatPercent(null)).toBe('—')
    expect(formatPercent(0)).toBe('0 %')
    expect(formatPercent(0.025)).toBe('2.5 %')
    expect(formatPercent(0.5)).toBe('50 %')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(3 * 1024 * 1024)).toBe('3 MB')
    expect(formatInstant('2026-11-27T06:40:12.345Z')).toBe('2026-11-27 06:40 UTC')
    expect(formatInstant('2026-11-27T07:40:00+01:00')).toBe('2026-11-27 06:40 UTC')
    expect(formatInstant(null)).toBe('—')
  })

  it('reads the UTC time inputs as UTC whatever the browser time zone, and refuses what is no time', () => {
    expect(utcInputToIso('2026-11-27T06:40')).toBe('2026-11-27T06:40:00.000Z')
    expect(utcInputToIso('2026-11-27T06:40:30')).toBe('2026-11-27T06:40:30.000Z')
    expect(utcInputToIso('')).toBeNull()
    expect(utcInputToIso('yesterday')).toBeNull()
    expect(isoToUtcInput(new Date('2026-11-27T06:40:59Z'))).toBe('2026-11-27T06:40')
    expect(isoToUtcInput(new Date('2026-11-27T06:40:59.900Z'), true)).toBe('2026-11-27T06:40:59')
  })
})
