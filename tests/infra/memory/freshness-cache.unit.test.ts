import { describe, expect, it } from 'vitest'
import { createMemoryFreshnessCache } from '../../../infra/memory/freshness-cache.ts'
import { freshnessCacheContract } from '../contracts/freshness-cache.contract.ts'

freshnessCacheContract('memory', () => createMemoryFreshnessCache())

describe('memory freshness cache', () => {
  it('serves a value until exactly its time to live has passed on its clock', async () => {
    let now = 1000
    const cache = createMemoryFreshnessCache({ now: () => now })
    await cache.set('org', 'v', 1000)
    now = 1999
    expect(await cache.get('org')).toBe('v')
    now = 2000
    expect(await cache.get('org')).toBeNull()
  })
})
