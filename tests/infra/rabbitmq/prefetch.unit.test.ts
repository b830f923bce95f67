import { describe, expect, it } from 'vitest'
import { MIN_PREFETCH, prefetchFor, worthRetuning } from '../../../infra/rabbitmq/prefetch.ts'

describe('consumer prefetch', () => {
  it('holds about 2 × maxEvents events, in messages of the size seen', () => {
    expect(prefetchFor(2000, 1, 4000)).toBe(4000)
    expect(prefetchFor(2000, 2, 4000)).toBe(2000)
    expect(prefetchFor(2000, 64, 4000)).toBe(63)
  })

  it('stays between the least prefetch and the most', () => {
    expect(prefetchFor(20, 50, 40)).toBe(MIN_PREFETCH)
    expect(prefetchFor(2000, 0.5, 4000)).toBe(4000)
    expect(prefetchFor(2, 64, 4)).toBe(4)
  })

  it('re-subscribes only for a change of 2× or more', () => {
    expect(worthRetuning(63, 4000)).toBe(true)
    expect(worthRetuning(4000, 63)).toBe(true)
    expect(worthRetuning(63, 100)).toBe(false)
    expect(worthRetuning(100, 63)).toBe(false)
    expect(worthRetuning(8, 16)).toBe(true)
  })
})
