import { describe, expect, it } from 'vitest'
import { createKeyCache } from '../../../gateways/router/key-cache.ts'
import { Lru } from '../../../gateways/router/lru.ts'
import type { ApiKeyRecord } from '../../../projections/api-keys/key-lookup.ts'
import { nothingTouched, type Touched } from '../../../projections/router/touched.ts'
import { keyRecord } from './key-record.ts'

// The router's key cache: found keys stay until the feed touches them, unknown keys are remembered
// in a bounded LRU, and concurrent lookups of one hash share one query.

function readModel(records: Map<string, ApiKeyRecord>) {
  const queries: string[] = []
  const gates: (() => void)[] = []
  let held = false
  const find = async (hash: string) => {
    queries.push(hash)
    // Read when asked, answered when released: a query that read a row before a change.
    const row = records.get(hash) ?? null
    if (held) await new Promise<void>((resolve) => gates.push(resolve))
    return row
  }
  const hold = () => {
    held = true
  }
  const release = () => {
    held = false
    for (const open of gates.splice(0)) open()
  }
  return { find, queries, hold, release }
}

const touched = (fields: Partial<Touched>): Touched => ({ ...nothingTouched(), ...fields })

describe('the router key cache', () => {
  it('sends a flood of one wrong key, and of many, to the read model once per key', async () => {
    const model = readModel(new Map())
    const keys = createKeyCache(model.find)
    for (let i = 0; i < 1000; i++) expect(await keys.lookup('wrong')).toBeNull()
    expect(model.queries).toEqual(['wrong'])
    for (let i = 0; i < 100; i++) await keys.lookup(`wrong-${i % 10}`)
    expect(model.queries).toHaveLength(11)
  })

  it('forgets the least recently seen unknown key past its bound', async () => {
    const model = readModel(new Map())
    const keys = createKeyCache(model.find, { negativeSize: 3 })
    for (const hash of ['a', 'b', 'c', 'a', 'd']) await keys.lookup(hash)
    // a was seen again before d came, so b (the oldest) went.
    expect(model.queries).toEqual(['a', 'b', 'c', 'd'])
    await keys.lookup('a')
    await keys.lookup('b')
    expect(model.queries).toEqual(['a', 'b', 'c', 'd', 'b'])
  })

  it('shares one query among concurrent lookups of one hash (single flight)', async () => {
    const model = readModel(new Map([['h', keyRecord()]]))
    const keys = createKeyCache(model.find)
    model.hold()
    const lookups = Array.from({ length: 50 }, () => keys.lookup('h'))
    model.release()
    const records = await Promise.all(lookups)
    expect(records.every((r) => r?.api_key_id === 'k1')).toBe(true)
    expect(model.queries).toEqual(['h'])
    await keys.lookup('h')
    expect(model.queries).toEqual(['h'])
  })

  it('re-reads the keys of a touched organization or key, and only those', async () => {
    const records = new Map([
      ['h1', keyRecord({ api_key_id: 'k1', organization_id: 'o1' })],
      ['h2', keyRecord({ api_key_id: 'k2', organization_id: 'o2' })],
      ['h3', keyRecord({ api_key_id: 'k3', organization_id: 'o3' })],
    ])
    const model = readModel(records)
    const keys = createKeyCache(model.find)
    for (const hash of ['h1', 'h2', 'h3']) await keys.lookup(hash)
    records.set(
      'h1',
      keyRecord({ api_key_id: 'k1', organization_id: 'o1', organization_status: 'suspended' }),
    )
    records.delete('h2')
    records.set('h3', keyRecord({ api_key_id: 'k3', organization_id: 'o3', status: 'revoked' }))
    const changes = await keys.refresh(touched({ organizations: new Set(['o1']), apiKeys: new Set(['k2']) }))
    expect(changes.set.map(([hash]) => hash)).toEqual(['h1'])
    expect(changes.deleted).toEqual(['h2'])
    expect((await keys.lookup('h1'))?.organization_status).toBe('suspended')
    // k3 was not touched: its change comes with its own event.
    expect((await keys.lookup('h3'))?.status).toBe('active')
    expect(model.queries).toEqual(['h1', 'h2', 'h3', 'h1', 'h2'])
  })

  it('drops an unknown hash once a batch issues it (a key used before its issue was projected)', async () => {
    const records = new Map<string, ApiKeyRecord>()
    const keys = createKeyCache(readModel(records).find)
    expect(await keys.lookup('early')).toBeNull()
    records.set('early', keyRecord())
    expect(await keys.lookup('early')).toBeNull()
    await keys.refresh(touched({ keyHashes: new Set(['early']) }))
    expect(await keys.lookup('early')).toMatchObject({ api_key_id: 'k1' })
  })

  it('answers but does not keep a lookup that ran while a batch was applied', async () => {
    const records = new Map([['h', keyRecord()]])
    const model = readModel(records)
    const keys = createKeyCache(model.find)
    model.hold()
    const stale = keys.lookup('h')
    // The feed applies a revocation while the lookup's query (which read the old row) is out.
    records.set('h', keyRecord({ status: 'revoked' }))
    await keys.refresh(touched({ apiKeys: new Set(['k1']) }))
    model.release()
    expect((await stale)?.status).toBe('active')
    expect((await keys.lookup('h'))?.status).toBe('revoked')
  })

  it('keeps nothing until trusted (the feed has no position yet)', async () => {
    const model = readModel(new Map([['h', keyRecord()]]))
    const keys = createKeyCache(model.find, { trusted: false })
    await keys.lookup('h')
    await keys.lookup('h')
    expect(model.queries).toEqual(['h', 'h'])
    keys.trust()
    await keys.lookup('h')
    await keys.lookup('h')
    expect(model.queries).toEqual(['h', 'h', 'h'])
  })
})

describe('Lru', () => {
  it('never holds more than its capacity', () => {
    const lru = new Lru<number>(100)
    for (let i = 0; i < 10_000; i++) lru.add(i)
    expect(lru.size).toBe(100)
    expect(lru.has(9_999)).toBe(true)
    expect(lru.has(9_899)).toBe(false)
  })
})
