import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { AppError } from '../../../domain/errors.ts'
import {
  cursorAfter,
  encodeCursor,
  pageFrom,
  pageQuery,
  positionKey,
  uuidKey,
} from '../../../gateways/http/pagination.ts'

// The cursor is opaque and checked: a client can only hand back what a page gave it.

const ID = '0190a000-0000-7000-8000-000000000001'
const codeOf = (fn: () => unknown) => {
  try {
    fn()
    return 'no error'
  } catch (error) {
    return error instanceof AppError ? error.code : String(error)
  }
}

describe('cursors', () => {
  it('round-trip the sort key, and are not the key itself', () => {
    const cursor = encodeCursor(ID)
    expect(cursor).not.toContain(ID)
    expect(cursorAfter(cursor, uuidKey)).toBe(ID)
    expect(cursorAfter(undefined, uuidKey)).toBeNull()
  })

  it('refuse with INVALID_CURSOR what no page returned', () => {
    expect(codeOf(() => cursorAfter(ID, uuidKey))).toBe('INVALID_CURSOR')
    expect(codeOf(() => cursorAfter('not base64!', uuidKey))).toBe('INVALID_CURSOR')
    expect(codeOf(() => cursorAfter(encodeCursor('42'), uuidKey))).toBe('INVALID_CURSOR')
    expect(codeOf(() => cursorAfter(Buffer.from(ID).toString('base64url'), uuidKey))).toBe('INVALID_CURSOR')
  })
})

describe('positionKey', () => {
  it('reads a global position (a bigint past 2^53) and refuses what is not one', () => {
    expect(cursorAfter(encodeCursor('72057594085376000'), positionKey)).toBe(72057594085376000n)
    expect(positionKey('9223372036854775807')).toBe(2n ** 63n - 1n)
    expect(positionKey('9223372036854775808')).toBeNull()
    expect(positionKey('-1')).toBeNull()
    expect(positionKey('1e3')).toBeNull()
    expect(codeOf(() => cursorAfter(encodeCursor(ID), positionKey))).toBe('INVALID_CURSOR')
  })
})

describe('pageFrom', () => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }]
  it('gives a next cursor only when a row beyond the page was read', () => {
    const first = pageFrom(rows, 2, (r) => r.id)
    expect(first.data).toEqual([{ id: 'a' }, { id: 'b' }])
    expect(first.next_cursor).toBe(encodeCursor('b'))
    expect(pageFrom(rows.slice(0, 2), 2, (r) => r.id).next_cursor).toBeNull()
  })
})

describe('pageQuery', () => {
  const query = z.object(pageQuery)
  it('defaults limit to 20 and bounds it to 1..100', () => {
    expect(query.parse({}).limit).toBe(20)
    expect(query.parse({ limit: '100' }).limit).toBe(100)
    expect(query.safeParse({ limit: '0' }).success).toBe(false)
    expect(query.safeParse({ limit: '101' }).success).toBe(false)
  })
})
