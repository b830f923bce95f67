import { describe, expect, it } from 'vitest'
import { histogramOf } from '../../../domain/usage/histogram.ts'
import { bucketStart, rollUp, type StoredUsage, statusClassOf } from '../../../domain/usage/rollup.ts'

const event = (overrides: Partial<StoredUsage>): StoredUsage => ({
  occurred_at: new Date('2026-11-26T10:15:30.500Z'),
  organization_id: 'o',
  api_key_id: 'k',
  model: 'm',
  backend: 'b:1',
  status: 'ok',
  http_status: 200,
  input_tokens: 10,
  output_tokens: 20,
  cost_nanos: 30,
  latency_ms: 12,
  ttfb_ms: 3,
  streamed: false,
  cancelled: false,
  tokens_source: 'reported',
  ...overrides,
})

describe('rollups', () => {
  it('start buckets at the UTC minute, hour and day', () => {
    const at = new Date('2026-11-26T10:15:30.500Z')
    expect(bucketStart(at, 'minute').toISOString()).toBe('2026-11-26T10:15:00.000Z')
    expect(bucketStart(at, 'hour').toISOString()).toBe('2026-11-26T10:00:00.000Z')
    expect(bucketStart(at, 'day').toISOString()).toBe('2026-11-26T00:00:00.000Z')
  })

  it('name status classes by their hundreds', () => {
    expect([200, 201, 429, 502].map(statusClassOf)).toEqual(['2xx', '2xx', '4xx', '5xx'])
  })

  it('sum events per bucket and dimensions, with histograms of their latencies', () => {
    const rows = rollUp(
      [
        event({}),
        event({ latency_ms: 40, ttfb_ms: null, streamed: true, tokens_source: 'estimated' }),
        event({ http_status: 502, status: 'error', cost_nanos: 0 }),
        event({ occurred_at: new Date('2026-11-26T10:16:00Z'), cancelled: true }),
      ],
      'hour',
    )
    expect(rows).toHaveLength(2)
    const ok = rows.find((row) => row.status_class === '2xx')
    expect(ok).toMatchObject({ requests: 3, errors: 0, input_tokens: 30, output_tokens: 60, cost_nanos: 90 })
    expect(ok).toMatchObject({ streamed: 1, cancelled: 1, estimated: 1 })
    expect(ok?.latency_hist).toEqual(histogramOf([12, 40, 12]))
    expect(ok?.ttfb_hist).toEqual(histogramOf([3, 3]))
    expect(rows.find((row) => row.status_class === '5xx')).toMatchObject({ requests: 1, errors: 1 })
    expect(
      rollUp([event({}), event({ occurred_at: new Date('2026-11-26T10:16:00Z') })], 'minute'),
    ).toHaveLength(2)
  })
})
