import { validate, version } from 'uuid'
import { describe, expect, it } from 'vitest'
import { newUuidV7 } from '../../../infra/crypto/uuid-v7.ts'

describe('UUIDv7 ids from a random pool', () => {
  it('are valid version 7 ids, distinct, and sort in the order they were made', () => {
    // 5,000 ids: many share a millisecond, and the pool is refilled about twenty times.
    const ids = Array.from({ length: 5000 }, () => newUuidV7())
    for (const id of ids.slice(0, 50)) {
      expect(validate(id)).toBe(true)
      expect(version(id)).toBe(7)
    }
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })

  it('carry the time they were made in their first 48 bits', () => {
    const before = Date.now()
    const id = newUuidV7()
    const msecs = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)
    expect(msecs).toBeGreaterThanOrEqual(before)
    expect(msecs).toBeLessThanOrEqual(Date.now() + 1)
  })
})
