import { describe, expect, it } from 'vitest'
import { issueRatios, ratioLines } from './ratios.ts'
import { peer } from './summary-fixture.ts'

describe('issueRatios', () => {
  const peers = [
    peer('direct', 0.06, 65000, 1, 0.1),
    peer('bare-proxy', 0.16, 16000, 1.5, 0.2),
    peer('portkey', 0.5, 4000, 5),
    peer('litellm-1', 5.9, 160, 900),
    peer('aiaas-embedded', 0.26, 10000, 2.5, 0.3),
  ]
  const byName = (name: string) => issueRatios(peers).find((ratio) => ratio.name === name)

  it('subtracts the direct call for added latency and divides throughput by the peer, with the target', () => {
    expect(byName('embedded: added p50 over direct, 1 connection')).toEqual({
      name: 'embedded: added p50 over direct, 1 connection',
      value: 0.2,
      unit: 'ms',
      target: '<= 0.25',
      met: true,
    })
    expect(byName('embedded: req/s at 32 connections ÷ bare proxy')).toMatchObject({
      value: 0.625,
      met: true,
    })
    expect(byName('embedded: req/s at 32 connections ÷ Portkey')).toMatchObject({ value: 2.5, met: false })
    expect(byName('embedded: req/s at 32 connections ÷ LiteLLM (1 worker)')).toMatchObject({
      value: 62.5,
      met: true,
    })
    expect(byName('embedded: added p99 over direct at 1,000/s')).toMatchObject({ value: 1.5, met: true })
    expect(byName('embedded: added time to first byte p50 over direct')).toMatchObject({
      value: 0.2,
      met: true,
    })
  })

  it('gives no value, and says why, where a peer was left out', () => {
    expect(byName('embedded: req/s at 32 connections ÷ LiteLLM (a worker per core)')).toMatchObject({
      value: null,
      met: null,
      missing: 'no figure for litellm-cores',
    })
    expect(byName('production: added p50 over direct, 1 connection')).toMatchObject({
      value: null,
      missing: 'no figure for aiaas-production',
    })
    expect(ratioLines(issueRatios(peers))).toContain(
      'production: added p50 over direct, 1 connection: n/a (no figure for aiaas-production)  (target <= 0.25)',
    )
  })

  it('says when a figure behind a ratio had errors, and gives none for a peer whose streams all failed', () => {
    const failing = {
      ...peer('aiaas-production', 1.6, 2000, 400),
      ttfb: { p50_ms: null, p99_ms: null, streams: 0, errors: 9 },
    }
    failing.closed[1] = { p50_ms: 1.6, p99_ms: 17, requests_per_s: 0, errors: 1955 }
    const ratios = issueRatios([...peers, failing])
    const find = (name: string) => ratios.find((ratio) => ratio.name === name)
    expect(find('production: added p50 over direct, 1 connection')).toMatchObject({
      value: 1.54,
      met: false,
      errors: 'aiaas-production had 1955 errors',
    })
    expect(find('production: added time to first byte p50 over direct')).toMatchObject({
      value: null,
      missing: 'no figure for aiaas-production',
    })
  })
})
