import { describe, expect, it } from 'vitest'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import { suiteUsersClient, UNKNOWN } from './users-client.ts'

// /admin/v1/users through app.inject: every route and every refusal.
// Run by users.unit.test.ts (PGlite) and users.int.test.ts (PostgreSQL).
export function userRouteSuite(makeDatabase: MakeDatabase) {
  const client = suiteUsersClient(makeDatabase)

  describe('POST /users', () => {
    it('creates an active user: 201, Location, ETag, no memberships', async () => {
      const created = await client().call('POST', '/users', { email: 'Ada@Example.com', display_name: 'Ada' })
      expect(created.status).toBe(201)
      expect(created.headers.location).toBe(`/admin/v1/users/${created.body.id}`)
      expect(created.headers.etag).toBe('"0"')
      expect(created.body).toEqual({
        id: expect.any(String),
        object: 'user',
        email: 'Ada@Example.com',
        display_name: 'Ada',
        status: 'active',
        platform_admin: false,
        created_at: expect.any(String),
        memberships: [],
      })
    })

    it('invites a user: status invited until their first sign-in', async () => {
      const id = await client().user({ invite: true })
      expect((await client().call('GET', `/users/${id}`)).body.status).toBe('invited')
    })

    it('refuses an email another user has, in any case, with 409 EMAIL_TAKEN', async () => {
      await client().user({ email: 'grace@example.com' })
      const taken = await client().call('POST', '/users', { email: 'GRACE@Example.COM', display_name: 'G' })
      expect(taken.status).toBe(409)
      expect(taken.headers['content-type']).toContain('application/problem+json')
      expect(taken.body).toMatchObject({ code: 'EMAIL_TAKEN', status: 409 })
    })

    it('refuses bad fields with a 400 naming the field', async () => {
      const bad = await client().call('POST', '/users', { email: 'not-an-email', display_name: 'X' })
      expect(bad.status).toBe(400)
      expect(bad.body.detail).toContain('email')
      const cases = [
        { email: 'a@example.com' },
        { email: 'b@example.com', display_name: '' },
        { email: 'c@example.com', display_name: 'C', role: 'admin' },
        { email: `${'x'.repeat(250)}@example.com`, display_name: 'D' },
      ]
      for (const body of cases)
        expect((await client().call('POST', '/users', body)).status, JSON.stringify(body)).toBe(400)
    })

    it('answers a retry with the same Idempotency-Key with the first response, and stores one user', async () => {
      const body = { email: 'once@example.com', display_name: 'Once' }
      const headers = { 'idempotency-key': 'create-once' }
      const first = await client().call('POST', '/users', body, headers)
      const again = await client().call('POST', '/users', body, headers)
      expect(first.status).toBe(201)
      expect(again.status).toBe(201)
      expect(again.body).toEqual(first.body)
      const other = await client().call('POST', '/users', { ...body, display_name: 'Twice' }, headers)
      expect(other.status).toBe(422)
      const listed = await client().call('GET', '/users?limit=100')
      const once = listed.body.data.filter((user: { email: string }) => user.email === 'once@example.com')
      expect(once).toHaveLength(1)
    })

    it('refuses a request without the admin token', async () => {
      const response = await client().call(
        'POST',
        '/users',
        { email: 'z@example.com', display_name: 'Z' },
        {
          authorization: '',
        },
      )
      expect(response.status).toBe(401)
    })
  })

  describe('GET /users and /users/{id}', () => {
    it('reads one user with its ETag; 404 USER_NOT_FOUND for an unknown id, 400 for a bad one', async () => {
      const id = await client().user()
      const read = await client().call('GET', `/users/${id}`)
      expect(read.status).toBe(200)
      expect(read.headers.etag).toBe('"0"')
      expect(read.body.id).toBe(id)
      const unknown = await client().call('GET', `/users/${UNKNOWN}`)
      expect(unknown.status).toBe(404)
      expect(unknown.body.code).toBe('USER_NOT_FOUND')
      expect((await client().call('GET', '/users/not-a-uuid')).status).toBe(400)
    })

    it('pages through every user once, in commit order; one created while paging comes on a later page', async () => {
      const ids = [await client().user(), await client().user(), await client().user()]
      const seen: string[] = []
      let cursor: string | null = null
      let late: string | null = null
      do {
        const page = await client().call('GET', `/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        expect(page.status).toBe(200)
        expect(page.body.data.length).toBeLessThanOrEqual(2)
        seen.push(...page.body.data.map((user: { id: string }) => user.id))
        cursor = page.body.next_cursor
        late ??= await client().user()
      } while (cursor)
      expect(new Set(seen).size).toBe(seen.length)
      const mine = [...ids, late]
      expect(seen.filter((id) => mine.includes(id))).toEqual(mine)
    })

    it('filters by status and by organization membership', async () => {
      const invited = await client().user({ invite: true })
      const org = await client().organization()
      const member = await client().user()
      expect(
        (await client().call('PUT', `/organizations/${org}/members/${member}`, { roles: ['member'] })).status,
      ).toBe(200)

      const byStatus = await client().call('GET', '/users?status=invited&limit=100')
      expect(byStatus.body.data.map((user: { id: string }) => user.id)).toContain(invited)
      expect(byStatus.body.data.every((user: { status: string }) => user.status === 'invited')).toBe(true)
      const byOrg = await client().call('GET', `/users?organization_id=${org}`)
      expect(byOrg.body.data).toEqual([
        expect.objectContaining({ id: member, memberships: [{ organization_id: org, roles: ['member'] }] }),
      ])
    })

    it('refuses a bad limit, cursor or filter with 400', async () => {
      for (const query of ['limit=0', 'limit=101', 'status=gone', 'colour=red', 'organization_id=x']) {
        expect((await client().call('GET', `/users?${query}`)).status, query).toBe(400)
      }
      for (const cursor of ['abc', 'not!base64', Buffer.from('v1:not-a-uuid').toString('base64url')]) {
        const refused = await client().call('GET', `/users?cursor=${cursor}`)
        expect(refused.status, cursor).toBe(400)
        expect(refused.body.code).toBe('INVALID_CURSOR')
      }
    })
  })

  describe('PATCH /users/{id}', () => {
    it('renames and grants platform_admin in one request, moving the ETag', async () => {
      const id = await client().user()
      const patched = await client().call('PATCH', `/users/${id}`, {
        display_name: 'Ada L.',
        platform_admin: true,
      })
      expect(patched.status).toBe(200)
      expect(patched.body).toMatchObject({ display_name: 'Ada L.', platform_admin: true })
      expect(patched.headers.etag).toBe('"2"')
      const revoked = await client().call('PATCH', `/users/${id}`, { platform_admin: false })
      expect(revoked.body.platform_admin).toBe(false)
    })

    it('with a stale If-Match answers 412 and changes nothing; with the current one it applies', async () => {
      const id = await client().user()
      await client().call('PATCH', `/users/${id}`, { display_name: 'Two' })
      const stale = await client().call(
        'PATCH',
        `/users/${id}`,
        { display_name: 'Three' },
        { 'if-match': '"0"' },
      )
      expect(stale.status).toBe(412)
      expect((await client().call('GET', `/users/${id}`)).body.display_name).toBe('Two')
      const fresh = await client().call(
        'PATCH',
        `/users/${id}`,
        { display_name: 'Three' },
        { 'if-match': '"1"' },
      )
      expect(fresh.status).toBe(200)
      expect(fresh.body.display_name).toBe('Three')
    })

    it('disables a user; a disabled user cannot be renamed or granted a role (409 USER_DISABLED)', async () => {
      const id = await client().user()
      const disabled = await client().call('PATCH', `/users/${id}`, { status: 'disabled' })
      expect(disabled.body.status).toBe('disabled')
      for (const body of [{ display_name: 'Back' }, { platform_admin: true }]) {
        const refused = await client().call('PATCH', `/users/${id}`, body)
        expect(refused.status).toBe(409)
        expect(refused.body.code).toBe('USER_DISABLED')
      }
    })

    it('refuses an empty or unknown change with 400 and an unknown user with 404', async () => {
      const id = await client().user()
      for (const body of [{}, { status: 'active' }, { email: 'new@example.com' }, { display_name: '' }]) {
        expect((await client().call('PATCH', `/users/${id}`, body)).status, JSON.stringify(body)).toBe(400)
      }
      const unknown = await client().call('PATCH', `/users/${UNKNOWN}`, { display_name: 'Nobody' })
      expect(unknown.status).toBe(404)
      expect(unknown.body.code).toBe('USER_NOT_FOUND')
    })
  })
}
