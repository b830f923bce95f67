import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fold, foldTtfb, markdownTable, summarize } from './report.ts'
import { peer } from './summary-fixture.ts'
import { parseWrk } from './wrk.ts'

const captured = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')

describe('fold', () => {
  it("adds the rounds' requests over their total time, sums errors, takes the median percentiles", () => {
    const rounds = [
      parseWrk(captured('wrk-c8.txt')),
      parseWrk(captured('wrk-c1.txt')),
      parseWrk(captured('wrk-404.txt')),
    ]
    const folded = fold(rounds)
    expect(folded.requests_per_s).toBeCloseTo((83263 + 8472) / (2.099339 + 1.000273 + 1.09958), 0)
    expect(folded.errors).toBe(26335)
    expect(folded.p50_ms).toBe(0.104)
    expect(folded.p99_ms).toBe(1.402)
  })
})

describe('foldTtfb', () => {
  it("takes exact percentiles over every round's samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1)
    const figures = foldTtfb([
      { samples_ms: samples.slice(0, 50), errors: 1 },
      { samples_ms: samples.slice(50), errors: 0 },
    ])
    expect(figures).toEqual({ p50_ms: 50, p99_ms: 99, streams: 100, errors: 1 })
  })

  it('is null for a peer whose streams were not timed', () => {
    expect(foldTtfb([])).toBeNull()
  })

  it('has no percentiles, only errors, when no stream completed', () => {
    expect(foldTtfb([{ samples_ms: [], errors: 973 }])).toEqual({
      p50_ms: null,
      p99_ms: null,
      streams: 0,
      errors: 973,
    })
  })
})

describe('markdownTable', () => {
  it('has a column per peer and a row per scenario, "–" where a peer has no figure', () => {
    const table = markdownTable([peer('direct', 0.06, 65000, 1, 0.1), peer('portkey', 0.5, 4000, 5)], {
      connections: [1, 32],
      rates: [1000, 3000],
    }).split('\n')
    expect(table[0]).toBe('| scenario | direct | portkey |')
    expect(table).toContain(
      '| wrk, 1 connection | p50 0.06 ms, p99 1 ms, 1000/s | p50 0.5 ms, p99 1 ms, 1000/s |',
    )
    expect(table).toContain('| vegeta, 3,000/s | – | – |')
    expect(table.at(-1)).toBe('| streamed, time to first byte | p50 0.1 ms, p99 2 ms | – |')
  })

  it('folds a peer of rounds into its summary', () => {
    const rounds = {
      id: 'direct',
      label: 'direct',
      closed: { 1: [parseWrk(captured('wrk-c1.txt'))] },
      open: {},
      ttfb: [],
    }
    expect(summarize(rounds).closed[1]).toMatchObject({ p50_ms: 0.104, errors: 0 })
  })
})
