import { describe, expect, it } from 'vitest'
import { idempotentIds, stableJson } from '../../../gateways/admin/idempotent-ids.ts'

// Ids drawn by an idempotent request: the same for the same seed and index, uuidv7-shaped with the
// key's first-use time in front (so they sort by creation time as fresh uuidv7s do).

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('idempotentIds', () => {
  const at = Date.parse('2026-11-26T10:00:00.123Z')

  it('gives the same id for the same seed and index, another for another index or seed', () => {
    const a = idempotentIds('platform-admin\u0000k1\u0000POST /admin/v1/organizations', at)
    const again = idempotentIds('platform-admin\u0000k1\u0000POST /admin/v1/organizations', at)
    const other = idempotentIds('platform-admin\u0000k2\u0000POST /admin/v1/organizations', at)
    expect(a(0)).toBe(again(0))
    expect(a(1)).toBe(again(1))
    expect(a(0)).not.toBe(a(1))
    expect(a(0)).not.toBe(other(0))
  })

  it('is a uuidv7 whose timestamp is the first use of the key', () => {
    const id = idempotentIds('seed', at)(0)
    expect(id).toMatch(UUID_V7)
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at)
  })
})

describe('stableJson', () => {
  it('does not depend on key order, and drops undefined members as JSON does', () => {
    expect(stableJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      stableJson({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }),
    )
    expect(stableJson({ a: '1' })).not.toBe(stableJson({ a: 1 }))
  })
})
