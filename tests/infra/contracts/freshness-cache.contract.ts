import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { FreshnessCache } from '../../../infra/ports/freshness-cache.ts'

// One suite, run against every FreshnessCache adapter (STYLE.md §9): what the analytics API relies
// on — a value per organization, kept for its time to live and then gone.
export function freshnessCacheContract(name: string, create: () => FreshnessCache): void {
  describe(`FreshnessCache contract: ${name}`, () => {
    const opened: FreshnessCache[] = []
    const open = () => {
      const cache = create()
      opened.push(cache)
      return cache
    }
    const organization = () => randomUUID()

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((cache) => cache.close()))
    })

    it('answers null for an organization never set, and the value set for one', async () => {
      const cache = open()
      const [a, b] = [organization(), organization()]
      expect(await cache.get(a)).toBeNull()
      await cache.set(a, '{"complete_through":null}', 60_000)
      expect(await cache.get(a)).toBe('{"complete_through":null}')
      expect(await cache.get(b)).toBeNull()
    })

    it('keeps the last value set', async () => {
      const cache = open()
      const a = organization()
      await cache.set(a, 'first', 60_000)
      await cache.set(a, 'second', 60_000)
      expect(await cache.get(a)).toBe('second')
    })

    it('forgets a value once its time to live has passed', async () => {
      const cache = open()
      const a = organization()
      await cache.set(a, 'short', 50)
      // Waits for the condition, bounded generously: the TTL is 50 ms.
      await expect.poll(() => cache.get(a), { timeout: 10_000, interval: 20 }).toBeNull()
    })
  })
}
