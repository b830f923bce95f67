import { describe, expect, it } from 'vitest'
import {
  buildSeries,
  groupName,
  type ReliabilityRow,
  reliabilityQuery,
  tableOrder,
} from '../../../gateways/console/src/pages/reliability-series.ts'

const ORG = '0193c9a0-0000-7000-8000-000000000001'

const row = (bucket: string, model: string, over: Partial<ReliabilityRow> = {}): ReliabilityRow => ({
  bucket_start: bucket,
  model,
  requests: 10,
  errors: 1,
  error_rate: 0.1,
  error_rate_by_class: { '4xx': 0, '5xx': 0.1 },
  latency_ms: { p50: 100, p95: 200, p99: 300 },
  ttfb_ms: { p50: 10, p95: 20, p99: 30 },
  ...over,
})

describe('the reliability query', () => {
  it('ends with the bucket in progress and spans exactly the preset, within what the API accepts', () => {
    const now = new Date('2026-11-27T06:40:30Z')
    expect(reliabilityQuery(ORG, 'hour', 'model', now)).toEqual({
      organization_id: ORG,
      from: '2026-11-27T05:41:00.000Z',
      to: '2026-11-27T06:41:00.000Z',
      granularity: 'minute',
      group_by: 'model',
      limit: 1000,
    })
    const month = reliabilityQuery(ORG, 'month', 'model,backend', now)
    expect(month).toMatchObject({
      granularity: 'day',
      to: '2026-11-28T00:00:00.000Z',
      from: '2026-10-29T00:00:00.000Z',
    })
    const week = reliabilityQuery(ORG, 'week', 'backend', now)
    // The API allows at most 31 days by the hour (gateways/analytics/params.ts).
    expect(Date.parse(week.to) - Date.parse(week.from)).toBeLessThanOrEqual(31 * 86_400_000)
  })
})

describe('reliability series', () => {
  it('aligns every group on the same buckets, with gaps where a group had no request', () => {
    const rows = [
      row('2026-11-27T06:00:00.000Z', 'gpt-b', { error_rate: 0.5 }),
      row('2026-11-27T05:00:00.000Z', 'gpt-a', { error_rate: 0.25 }),
      row('2026-11-27T06:00:00.000Z', 'gpt-a', { error_rate: null }),
    ]
    const series = buildSeries(rows, 'error_rate')
    expect(series.xs).toEqual([
      Date.parse('2026-11-27T05:00:00Z') / 1000,
      Date.parse('2026-11-27T06:00:00Z') / 1000,
    ])
    expect(series.series).toEqual([
      { label: 'gpt-a', values: [25, null] },
      { label: 'gpt-b', values: [null, 50] },
    ])
  })

  it('charts the p95 of latency or of the time to first byte', () => {
    const rows = [row('2026-11-27T06:00:00.000Z', 'm', { latency_ms: { p50: 1, p95: 950, p99: 2 } })]
    expect(buildSeries(rows, 'latency_p95').series[0]?.values).toEqual([950])
    expect(buildSeries(rows, 'ttfb_p95').series[0]?.values).toEqual([20])
  })

  it('names groups by model and backend, and orders the table newest first', () => {
    expect(groupName({ model: 'gpt-a', backend: 'b1' })).toBe('gpt-a · b1')
    expect(groupName({ backend: 'b1' })).toBe('b1')
    expect(groupName({})).toBe('all')
    const ordered = tableOrder([
      row('2026-11-27T05:00:00.000Z', 'a'),
      row('2026-11-27T06:00:00.000Z', 'b'),
      row('2026-11-27T06:00:00.000Z', 'a'),
    ])
    expect(ordered.map((r) => `${r.bucket_start.slice(11, 13)}${r.model}`)).toEqual(['06a', '06b', '05a'])
  })
})
