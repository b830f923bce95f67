import type { Api, Query } from '../contract.ts'

// The admin API's lists come a page at a time (`{data, next_cursor}`). The console's tables show
// up to `maxPages` pages of 100 and say when there are more, rather than loading without bound.

export interface ListPage<T> {
  data: T[]
  next_cursor: string | null
}

export interface Collected<T> {
  items: T[]
  /** True when the API had more than the pages read. */
  more: boolean
}

/** Reads pages through `fetchPage(cursor)` until the last one or `maxPages`. */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<ListPage<T>>,
  maxPages = 5,
): Promise<Collected<T>> {
  const items: T[] = []
  let cursor: string | undefined
  for (let read = 0; read < maxPages; read += 1) {
    const page = await fetchPage(cursor)
    items.push(...page.data)
    if (page.next_cursor === null) return { items, more: false }
    cursor = page.next_cursor
  }
  return { items, more: true }
}

/** Every item of an admin list at `path` (up to `maxPages` × 100). */
export const listAll = <T>(api: Api, path: string, query: Query = {}, maxPages = 5) =>
  collectPages<T>((cursor) => api.get<ListPage<T>>(path, { ...query, limit: 100, cursor }), maxPages)
