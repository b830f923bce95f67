import { describe, expect, it } from 'vitest'
import { createMemoryNonceStore } from '../../../infra/memory/nonce-store.ts'
import { nonceStoreContract } from '../contracts/nonce-store.contract.ts'

nonceStoreContract('memory', () => createMemoryNonceStore())

describe('memory nonce store', () => {
  it('keeps a nonce until exactly its TTL has passed on its clock', async () => {
    let clock = 0
    const store = createMemoryNonceStore({ now: () => clock })
    expect(await store.claim('n', 600_000)).toBe(true)
    clock = 599_999
    expect(await store.claim('n', 600_000)).toBe(false)
    clock = 600_000
    expect(await store.claim('n', 600_000)).toBe(true)
  })
})
