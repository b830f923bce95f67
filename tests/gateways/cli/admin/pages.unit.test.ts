import { describe, expect, it } from 'vitest'
import { createApi, type Query } from '../../../../gateways/cli/admin/client.ts'
import { type Context, listPages } from '../../../../gateways/cli/admin/command.ts'
import { resolveSettings } from '../../../../gateways/cli/admin/settings.ts'

// Lists: one page and a pointer to the next on stderr, or with --all every page joined.
function context(json = false) {
  const err: string[] = []
  const ctx: Context = {
    json,
    io: { out: () => {}, err: (text: string) => err.push(text), color: false, errIsTty: false },
    settings: resolveSettings({}, {}, {}),
    // Never called: listPages is given its page function.
    api: createApi(async () => 'unused'),
    configPath: '/nonexistent',
    now: () => new Date(0),
  }
  return { ctx, err }
}

const PAGES: Record<string, { data: number[]; next_cursor: string | null }> = {
  start: { data: [1, 2], next_cursor: 'c2' },
  c2: { data: [3, 4], next_cursor: 'c3' },
  c3: { data: [5], next_cursor: null },
}

function pages() {
  const asked: Query[] = []
  const fetchPage = async (query: Query) => {
    asked.push(query)
    return { object: 'list', ...PAGES[String(query.cursor ?? 'start')] }
  }
  return { asked, fetchPage }
}

describe('listPages', () => {
  it('follows next_cursor to the last page with --all, keeping the filters and limit', async () => {
    const { ctx } = context()
    const { asked, fetchPage } = pages()
    const all = await listPages(ctx, fetchPage, { organization_id: 'o' }, { all: true, limit: '2' })
    expect(all).toEqual({ object: 'list', data: [1, 2, 3, 4, 5], next_cursor: null })
    expect(asked).toEqual([
      { organization_id: 'o', limit: 2, cursor: undefined },
      { organization_id: 'o', limit: 2, cursor: 'c2' },
      { organization_id: 'o', limit: 2, cursor: 'c3' },
    ])
  })

  it('answers one page and says on stderr how to get the next (not with --json)', async () => {
    const { ctx, err } = context()
    const { fetchPage } = pages()
    expect(await listPages(ctx, fetchPage, {}, { cursor: 'c2' })).toEqual({ object: 'list', ...PAGES.c2 })
    expect(err).toEqual(['more: --cursor c3 (or --all)\n'])
    const quiet = context(true)
    await listPages(quiet.ctx, fetchPage, {}, {})
    expect(quiet.err).toEqual([])
  })

  it('refuses a limit below 1 before any request', async () => {
    const { ctx } = context()
    const { asked, fetchPage } = pages()
    await expect(listPages(ctx, fetchPage, {}, { limit: '0' })).rejects.toThrow('--limit must be at least 1')
    expect(asked).toEqual([])
  })
})
