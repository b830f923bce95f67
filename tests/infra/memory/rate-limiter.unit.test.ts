import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMemoryRateLimiter } from '../../../infra/memory/rate-limiter.ts'
import { rateLimiterContract } from '../contracts/rate-limiter.contract.ts'

rateLimiterContract('memory', () => createMemoryRateLimiter())

describe('memory rate limiter windows', () => {
  it('never allows more than `limit` hits in a window, and denies only when the window is full', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 10, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 60 }),
        async (limit, windowMs, gaps) => {
          let clock = 0
          const limiter = createMemoryRateLimiter({ now: () => clock })
          let windowEndsAt = Number.NEGATIVE_INFINITY
          let allowedInWindow = 0
          for (const gap of gaps) {
            clock += gap
            const decision = await limiter.hit('k', limit, windowMs)
            if (clock >= windowEndsAt) {
              windowEndsAt = clock + windowMs
              allowedInWindow = 0
            }
            expect(decision.allowed).toBe(allowedInWindow < limit)
            if (decision.allowed) allowedInWindow += 1
            expect(decision.remaining).toBe(limit - allowedInWindow)
            expect(decision.reset_ms).toBe(windowEndsAt - clock)
          }
        },
      ),
    )
  })
})
