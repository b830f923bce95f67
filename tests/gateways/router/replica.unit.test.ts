import { describe, expect, it, onTestFinished } from 'vitest'
import { type ReplicaCopy, startRouterReplica } from '../../../gateways/router/replica.ts'
import type { ApiKeyRecord } from '../../../projections/api-keys/key-lookup.ts'
import { startReadModels } from '../../support/read-models.ts'
import { keyRecord } from './key-record.ts'

// A router replica and its local copy, on PGlite: a copy with a position is served from without a
// query; a copy whose write failed is dropped (its position forgotten) rather than left stale.

function fakeCopy(position: bigint | null, keys: [string, ApiKeyRecord][], failSave: boolean) {
  const calls: string[] = []
  const copy: ReplicaCopy = {
    load: () => ({ position, keys }),
    async save() {
      calls.push('save')
      if (failSave) throw new Error('disk full')
    },
    keep: () => {
      calls.push('keep')
    },
    async forget() {
      calls.push('forget')
    },
  }
  return { copy, calls }
}

async function replicaWith(copy: ReplicaCopy, find: (hash: string) => Promise<ApiKeyRecord | null>) {
  const { db } = await startReadModels()
  const replica = startRouterReplica({ db, find, copy, pollMs: 60_000, onError: () => {} })
  onTestFinished(() => replica.close())
  return replica
}

describe('a router replica and its copy', () => {
  it('serves the keys of a copy that has a position without asking the read models', async () => {
    const { copy } = fakeCopy(0n, [['h', keyRecord({ api_key_id: 'copied' })]], false)
    const queries: string[] = []
    const replica = await replicaWith(copy, async (hash) => {
      queries.push(hash)
      return null
    })
    expect(await replica.keys.lookup('h')).toMatchObject({ api_key_id: 'copied' })
    expect(queries).toEqual([])
  })

  it('forgets the copy’s position after a failed write, and writes it no more', async () => {
    const { copy, calls } = fakeCopy(null, [], true)
    const replica = await replicaWith(copy, async () => keyRecord())
    await replica.feed.wake()
    expect(calls).toEqual(['save', 'forget'])
    await replica.keys.lookup('h')
    await replica.feed.wake()
    expect(calls).toEqual(['save', 'forget'])
  })
})
