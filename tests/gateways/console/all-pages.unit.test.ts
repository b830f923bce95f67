import { describe, expect, it } from 'vitest'
import type { Api, Query } from '../../../gateways/console/src/contract.ts'
import { collectPages, type ListPage, listAll } from '../../../gateways/console/src/pages/all-pages.ts'

const pages: Record<string, ListPage<number>> = {
  first: { data: [1, 2], next_cursor: 'c2' },
  c2: { data: [3], next_cursor: 'c3' },
  c3: { data: [4], next_cursor: null },
}

describe('reading an admin list', () => {
  it('follows the cursors to the last page', async () => {
    const asked: Array<string | undefined> = []
    const result = await collectPages<number>(async (cursor) => {
      asked.push(cursor)
      return pages[cursor ?? 'first'] as ListPage<number>
    })
    expect(result).toEqual({ items: [1, 2, 3, 4], more: false })
    expect(asked).toEqual([undefined, 'c2', 'c3'])
  })

  it('stops after the pages allowed and says there are more', async () => {
    const result = await collectPages<number>(
      async (cursor) => pages[cursor ?? 'first'] as ListPage<number>,
      2,
    )
    expect(result).toEqual({ items: [1, 2, 3], more: true })
  })

  it('asks the API for pages of 100 with the query given', async () => {
    const calls: Array<[string, Query | undefined]> = []
    const api: Api = {
      get: async <T>(path: string, query?: Query) => {
        calls.push([path, query])
        return { data: ['x'], next_cursor: null } as T
      },
      send: async () => {
        throw new Error('no writes')
      },
      url: (path) => path,
    }
    expect(await listAll<string>(api, '/admin/v1/users', { organization_id: 'o' })).toEqual({
      items: ['x'],
      more: false,
    })
    expect(calls).toEqual([['/admin/v1/users', { organization_id: 'o', limit: 100, cursor: undefined }]])
  })
})
