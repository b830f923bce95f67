import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'

// Cursor pagination for list routes (docs/admin-api.md#pagination): `limit` 1..100 (default 20)
// and an opaque `cursor` in, `{ object: 'list', data, next_cursor }` out. The cursor is the
// base64url of the last item's sort key; the query reads strictly after it in a stable order, so
// a page never repeats an item and an item created while a client pages lands after its cursor.

export const MAX_PAGE_LIMIT = 100
export const DEFAULT_PAGE_LIMIT = 20
const MAX_CURSOR_CHARS = 512
/** A version in front of the key, so a later change of sort key can refuse old cursors. */
const PREFIX = 'v1:'

/** The query fields of every list: spread into the route's querystring schema. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  /** `next_cursor` of the previous page; absent for the first. */
  cursor: z.string().min(1).max(MAX_CURSOR_CHARS).optional(),
}

/** The response of a list of `item`s. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal('list'), data: z.array(item), next_cursor: z.string().nullable() })
}

export function encodeCursor(sortKey: string): string {
  return Buffer.from(`${PREFIX}${sortKey}`, 'utf8').toString('base64url')
}

const invalid = () =>
  new AppError('INVALID_CURSOR', 'cursor is not one this API returned', { param: 'cursor' })

/**
 * The sort key after which the page starts: null for the first page. `parseKey` returns null for a
 * key that is not one of this list's (a cursor of another list, or made up): a 400.
 */
export function cursorAfter<K>(cursor: string | undefined, parseKey: (text: string) => K | null): K | null {
  if (cursor === undefined) return null
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid()
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!text.startsWith(PREFIX)) throw invalid()
  const key = parseKey(text.slice(PREFIX.length))
  if (key === null) throw invalid()
  return key
}

/**
 * A page from `rows`, read with `limit + 1` so the extra row says whether a next page exists
 * without a second query; next_cursor is the key of the page's last item.
 */
export function pageFrom<T>(rows: readonly T[], limit: number, sortKey: (row: T) => string) {
  const data = rows.slice(0, limit)
  const last = data.at(-1)
  const next_cursor = rows.length > limit && last !== undefined ? encodeCursor(sortKey(last)) : null
  return { object: 'list' as const, data, next_cursor }
}

const MAX_POSITION = 2n ** 63n - 1n

/** parseKey for lists in commit order: a global position (a decimal bigint). */
export const positionKey = (text: string): bigint | null => {
  const position = /^\d{1,19}$/.test(text) ? BigInt(text) : null
  return position !== null && position <= MAX_POSITION ? position : null
}

/**
 * One page of a list in commit order (the order that never misses or repeats an item created while
 * a client pages): `read` gets the position after which to start (null: the first page) and a
 * limit one above the page's; the page's items come back without their created_position.
 */
export async function pageInCommitOrder<R extends { created_position: bigint }>(
  query: { limit: number; cursor?: string | undefined },
  read: (window: { after: bigint | null; limit: number }) => Promise<readonly R[]>,
) {
  const rows = await read({ after: cursorAfter(query.cursor, positionKey), limit: query.limit + 1 })
  const page = pageFrom(rows, query.limit, (row) => row.created_position.toString())
  const data = page.data.map(({ created_position: _, ...item }) => item)
  return { ...page, data }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** parseKey for lists in uuid (v7: creation) order. */
export const uuidKey = (text: string): string | null => (UUID.test(text) ? text : null)
