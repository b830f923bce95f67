import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { auth, startAdminApp } from './admin-app.ts'

// GET /admin/v1/organizations pages with an opaque cursor: a client paging while organizations are
// created sees each one exactly once, in creation order.

type App = Awaited<ReturnType<typeof startAdminApp>>
let handle: TestDatabase
let admin: App

beforeAll(async () => {
  handle = await makePostgres('page')()
  admin = await startAdminApp(handle.db)
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

async function createOrg(name: string): Promise<string> {
  const response = await admin.app.inject({
    method: 'POST',
    url: '/admin/v1/organizations',
    headers: auth,
    payload: { name },
  })
  expect(response.statusCode).toBe(201)
  return response.json().id
}

const list = (query: string) =>
  admin.app.inject({ method: 'GET', url: `/admin/v1/organizations?${query}`, headers: auth })

describe('GET /admin/v1/organizations', () => {
  it('pages in creation order; organizations created while paging appear once, none is missed', async () => {
    const created: string[] = []
    for (const n of [1, 2, 3, 4, 5]) created.push(await createOrg(`Org ${n}`))
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const response = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      expect(response.statusCode).toBe(200)
      const page = response.json() as { data: { id: string }[]; next_cursor: string | null }
      expect(page.data.length).toBeLessThanOrEqual(2)
      seen.push(...page.data.map((org) => org.id))
      cursor = page.next_cursor
      // Others keep creating while this client is between pages.
      if (cursor !== null && created.length < 7) created.push(await createOrg(`Org later ${created.length}`))
    } while (cursor !== null)
    expect(created).toHaveLength(7)
    expect(seen).toEqual(created)
  })

  it('defaults to 20 per page and refuses a limit over 100', async () => {
    for (let n = 0; n < 21; n++) await createOrg(`Bulk ${n}`)
    const first = await list('')
    expect(first.json().data).toHaveLength(20)
    expect(first.json().next_cursor).toEqual(expect.any(String))
    const tooMany = await list('limit=101')
    expect(tooMany.statusCode).toBe(400)
    expect(tooMany.json().code).toBe('VALIDATION_FAILED')
  })

  it('refuses a cursor it did not give out with 400 INVALID_CURSOR', async () => {
    const id = await createOrg('Cursor Co')
    const raw = await list(`cursor=${id}`)
    expect(raw.statusCode).toBe(400)
    expect(raw.json().code).toBe('INVALID_CURSOR')
  })
})
