import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open } from 'lmdb'
import { describe, expect, it, onTestFinished } from 'vitest'
import { openRouterReplicaStore } from '../../../infra/lmdb/router-replica.ts'
import { keyRecord } from '../../gateways/router/key-record.ts'

// The router's local copy on a real LMDB file: what a feed batch saves comes back at the next
// open, and a copy written in another shape (before a field such as a key's budgets existed) is
// never served: the router reads those keys through to PostgreSQL instead.

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'router-replica-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('the router replica store on LMDB', () => {
  it('loads at the next open the keys and position a batch saved', async () => {
    const dir = tempDir()
    const first = openRouterReplicaStore(dir, () => {})
    await first.save({ set: [['h', keyRecord({ api_key_id: 'k1' })]], deleted: [] }, 42n)
    await first.close()
    const second = openRouterReplicaStore(dir, () => {})
    onTestFinished(() => second.close())
    const loaded = second.load()
    expect(loaded.position).toBe(42n)
    expect(loaded.keys).toEqual([['h', keyRecord({ api_key_id: 'k1' })]])
  })

  it('empties a copy written in an older shape instead of serving its records', async () => {
    const dir = tempDir()
    const old = open<unknown, string>({ path: dir, compression: false })
    await old.put('position', '42')
    await old.put('key:h', { api_key_id: 'k1', status: 'active' })
    await old.put('models', [])
    await old.close()
    const store = openRouterReplicaStore(dir, () => {})
    onTestFinished(() => store.close())
    expect(store.load()).toEqual({ position: null, keys: [] })
    expect(store.models()).toBeNull()
  })
})
