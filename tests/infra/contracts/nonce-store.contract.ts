import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { NonceStore } from '../../../infra/ports/nonce-store.ts'

// One suite, run against every NonceStore adapter (STYLE.md §9): what request signing relies on.
export function nonceStoreContract(name: string, create: () => NonceStore): void {
  describe(`NonceStore contract: ${name}`, () => {
    const opened: NonceStore[] = []
    const open = () => {
      const store = create()
      opened.push(store)
      return store
    }
    const nonce = () => `contract-${randomUUID()}`

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()))
    })

    it('claims a nonce once: the second claim is a replay, another nonce is not', async () => {
      const store = open()
      const n = nonce()
      expect(await store.claim(n, 60_000)).toBe(true)
      expect(await store.claim(n, 60_000)).toBe(false)
      expect(await store.claim(nonce(), 60_000)).toBe(true)
    })

    it('gives exactly one of 20 simultaneous claims of one nonce', async () => {
      const store = open()
      const n = nonce()
      const claims = await Promise.all(Array.from({ length: 20 }, () => store.claim(n, 60_000)))
      expect(claims.filter(Boolean)).toHaveLength(1)
    })

    it('forgets a nonce once its time to live has passed', async () => {
      const store = open()
      const n = nonce()
      expect(await store.claim(n, 50)).toBe(true)
      expect(await store.claim(n, 50)).toBe(false)
      // Waits for the condition, bounded generously: the TTL is 50 ms.
      await expect.poll(() => store.claim(n, 60_000), { timeout: 10_000, interval: 20 }).toBe(true)
    })
  })
}
