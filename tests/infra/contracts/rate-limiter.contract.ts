import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { RateLimiter } from '../../../infra/ports/rate-limiter.ts'

// One suite, run against every RateLimiter adapter (STYLE.md §9): what the router may rely on.
export function rateLimiterContract(name: string, create: () => RateLimiter): void {
  describe(`RateLimiter contract: ${name}`, () => {
    const opened: RateLimiter[] = []
    const open = () => {
      const limiter = create()
      opened.push(limiter)
      return limiter
    }
    const key = () => `contract-${randomUUID()}`

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((limiter) => limiter.close()))
    })

    it('allows the first N hits of a window and denies the next with remaining 0', async () => {
      const limiter = open()
      const k = key()
      for (let i = 1; i <= 5; i++) {
        const decision = await limiter.hit(k, 5, 60_000)
        expect(decision).toMatchObject({ allowed: true, limit: 5, remaining: 5 - i })
      }
      const denied = await limiter.hit(k, 5, 60_000)
      expect(denied).toMatchObject({ allowed: false, limit: 5, remaining: 0 })
      expect(denied.reset_ms).toBeGreaterThan(0)
      expect(denied.reset_ms).toBeLessThanOrEqual(60_000)
    })

    it('allows again once the window has passed', async () => {
      const limiter = open()
      const k = key()
      for (let i = 0; i < 3; i++) expect((await limiter.hit(k, 3, 200)).allowed).toBe(true)
      const denied = await limiter.hit(k, 3, 200)
      expect(denied.allowed).toBe(false)
      expect(denied.reset_ms).toBeLessThanOrEqual(200)
      await sleep(denied.reset_ms + 20)
      expect(await limiter.hit(k, 3, 200)).toMatchObject({ allowed: true, remaining: 2 })
    })

    it('keeps a denied client denied until reset, without extending the window', async () => {
      const limiter = open()
      const k = key()
      await limiter.hit(k, 1, 300)
      const first = await limiter.hit(k, 1, 300)
      await sleep(50)
      const later = await limiter.hit(k, 1, 300)
      expect(later.allowed).toBe(false)
      expect(later.reset_ms).toBeLessThan(first.reset_ms)
    })

    it('counts keys independently, and each window length of one key independently', async () => {
      const limiter = open()
      const a = key()
      await limiter.hit(a, 1, 60_000)
      expect((await limiter.hit(a, 1, 60_000)).allowed).toBe(false)
      expect((await limiter.hit(key(), 1, 60_000)).allowed).toBe(true)
      expect((await limiter.hit(a, 1, 1_000)).allowed).toBe(true)
    })

    it('lets exactly `limit` of 100 concurrent hits through', async () => {
      const limiter = open()
      const k = key()
      const decisions = await Promise.all(Array.from({ length: 100 }, () => limiter.hit(k, 10, 60_000)))
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10)
      for (const denied of decisions.filter((d) => !d.allowed)) expect(denied.remaining).toBe(0)
    })

    it('rejects a non-positive limit or window with RATE_LIMIT_INVALID', async () => {
      const limiter = open()
      await expect(limiter.hit(key(), 0, 1000)).rejects.toMatchObject({ code: 'RATE_LIMIT_INVALID' })
      await expect(limiter.hit(key(), 1, 0)).rejects.toMatchObject({ code: 'RATE_LIMIT_INVALID' })
      await expect(limiter.hit(key(), 1.5, 1000)).rejects.toMatchObject({ code: 'RATE_LIMIT_INVALID' })
    })

    it('answers ping while open and RATE_LIMITER_UNAVAILABLE once closed', async () => {
      const limiter = create()
      await expect(limiter.ping()).resolves.toBeUndefined()
      await limiter.close()
      await expect(limiter.hit(key(), 1, 1000)).rejects.toMatchObject({ code: 'RATE_LIMITER_UNAVAILABLE' })
      await expect(limiter.ping()).rejects.toMatchObject({ code: 'RATE_LIMITER_UNAVAILABLE' })
    })
  })
}
