import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonDepth, MAX_JSON_DEPTH } from '../../../gateways/http/json-depth.ts'

describe('JSON depth', () => {
  it('counts nested objects and arrays', () => {
    expect(jsonDepth('1')).toBe(0)
    expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4)
    expect(jsonDepth(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBe(MAX_JSON_DEPTH)
  })

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonDepth('{"a":"[[[{{{"}')).toBe(1)
    expect(jsonDepth('{"a":"\\"[[[","b":"\\\\"}')).toBe(1)
  })

  it('stops counting past the limit, so a 5,000-deep body costs one early exit', () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`
    expect(jsonDepth(deep)).toBe(MAX_JSON_DEPTH + 1)
  })
})

describe('JSON depth against a parser', () => {
  it('equals the depth of what JSON.parse reads, for any JSON text (strings with quotes and backslashes included)', () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === 'object'
        ? 1 + Math.max(0, ...Object.values(value as object).map(depthOf))
        : 0
    fc.assert(
      fc.property(fc.json({ maxDepth: 8 }), (text) => {
        expect(jsonDepth(text)).toBe(depthOf(JSON.parse(text)))
      }),
      { numRuns: 2000 },
    )
  })
})
