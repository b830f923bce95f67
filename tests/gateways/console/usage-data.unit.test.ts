import { describe, expect, it } from 'vitest'
import {
  chartData,
  rangeFor,
  tableRows,
  tick,
  type UsageRow,
} from '../../../gateways/console/src/pages/usage-data.ts'

const row = (bucket_start: string, model: string, requests: number, cost_usd = '0.5'): UsageRow => ({
  bucket_start,
  model,
  requests,
  errors: 0,
  input_tokens: requests * 10,
  output_tokens: requests,
  cost_usd,
})

const rows = [
  row('2026-11-27T10:00:00.000Z', 'echo', 3, '0.25'),
  row('2026-11-27T09:00:00.000Z', 'gpt', 1),
  row('2026-11-27T10:00:00.000Z', 'gpt', 2, '1.5'),
]

describe('usage shaped for charts and the table', () => {
  it('puts buckets in time order and each group in its own series, null where it has no row', () => {
    const requests = chartData(rows, 'requests', 'model')
    expect(requests.xs).toEqual([
      Date.parse('2026-11-27T09:00:00Z') / 1000,
      Date.parse('2026-11-27T10:00:00Z') / 1000,
    ])
    expect(requests.series).toEqual([
      { label: 'echo', values: [null, 3] },
      { label: 'gpt', values: [1, 2] },
    ])
    expect(chartData(rows, 'tokens', 'model').series[1]?.values).toEqual([11, 22])
    expect(chartData(rows, 'spend', 'model').series[1]?.values).toEqual([0.5, 1.5])
  })

  it('labels a series by its display name when it has one', () => {
    const names = new Map([['gpt', 'GPT (primary)']])
    expect(chartData(rows, 'requests', 'model', names).series.map((s) => s.label)).toEqual([
      'echo',
      'GPT (primary)',
    ])
  })

  it('names a row without the grouped value "(none)"', () => {
    expect(chartData(rows, 'requests', 'backend').series.map((s) => s.label)).toEqual(['(none)'])
  })

  it('lists the table newest bucket first, then by group', () => {
    expect(tableRows(rows, 'model').map((r) => `${r.bucket_start.slice(11, 13)} ${r.model}`)).toEqual([
      '10 echo',
      '10 gpt',
      '09 gpt',
    ])
  })

  it('asks for a range aligned to buckets that includes the current one, within the API’s limits', () => {
    const now = new Date('2026-11-27T10:17:30Z')
    expect(rangeFor('hour', now)).toEqual({
      from: '2026-11-25T11:00:00.000Z',
      to: '2026-11-27T11:00:00.000Z',
    })
    expect(rangeFor('minute', now)).toEqual({
      from: '2026-11-27T08:18:00.000Z',
      to: '2026-11-27T10:18:00.000Z',
    })
    expect(rangeFor('day', now).to).toBe('2026-11-28T00:00:00.000Z')
  })
})

describe('axis ticks', () => {
  it('shows small spend as it is, not rounded to 0', () => {
    expect([tick(0), tick(1.5), tick(1234.567), tick(0.000014), tick(0.00012345)]).toEqual([
      '0',
      '1.5',
      '1234.57',
      '0.000014',
      '0.00012',
    ])
  })
})
