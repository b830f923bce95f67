import { describe, expect, it } from 'vitest'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import { suiteUsersClient, UNKNOWN } from './users-client.ts'

// PUT/DELETE /admin/v1/organizations/{id}/members/{user_id} through app.inject.
// Run by users-members.unit.test.ts (PGlite) and users-members.int.test.ts (PostgreSQL).
export function memberRouteSuite(makeDatabase: MakeDatabase) {
  const client = suiteUsersClient(makeDatabase)

  const members = (org: string, user: string) => `/organizations/${org}/members/${user}`

  describe('PUT /organizations/{id}/members/{user_id}', () => {
    it('adds a member with roles in one canonical order, then changes them', async () => {
      const [org, user] = [await client().organization(), await client().user()]
      const added = await client().call('PUT', members(org, user), {
        roles: ['member', 'org_owner', 'member'],
      })
      expect(added.status).toBe(200)
      expect(added.body).toEqual({
        object: 'membership',
        organization_id: org,
        user_id: user,
        roles: ['org_owner', 'member'],
      })
      expect(added.headers.etag).toBe('"1"')

      const changed = await client().call('PUT', members(org, user), { roles: ['auditor'] })
      expect(changed.body.roles).toEqual(['auditor'])
      const read = await client().call('GET', `/users/${user}`)
      expect(read.body.memberships).toEqual([{ organization_id: org, roles: ['auditor'] }])
      expect(read.headers.etag).toBe('"2"')
    })

    it('records nothing for the roles the member already has (a retried PUT)', async () => {
      const [org, user] = [await client().organization(), await client().user()]
      await client().call('PUT', members(org, user), { roles: ['analyst', 'billing_admin'] })
      const again = await client().call('PUT', members(org, user), { roles: ['billing_admin', 'analyst'] })
      expect(again.status).toBe(200)
      expect(again.headers.etag).toBe('"1"')
    })

    it('refuses an empty role list with 422 ROLES_EMPTY, an unknown role with 400', async () => {
      const [org, user] = [await client().organization(), await client().user()]
      const empty = await client().call('PUT', members(org, user), { roles: [] })
      expect(empty.status).toBe(422)
      expect(empty.body.code).toBe('ROLES_EMPTY')
      for (const body of [
        { roles: ['platform_admin'] },
        { roles: 'member' },
        {},
        { roles: ['member'], x: 1 },
      ]) {
        expect((await client().call('PUT', members(org, user), body)).status, JSON.stringify(body)).toBe(400)
      }
    })

    it('answers 404 for an unknown organization or user, 400 for a malformed id', async () => {
      const [org, user] = [await client().organization(), await client().user()]
      const noOrg = await client().call('PUT', members(UNKNOWN, user), { roles: ['member'] })
      expect(noOrg.status).toBe(404)
      expect(noOrg.body.code).toBe('ORG_NOT_FOUND')
      const noUser = await client().call('PUT', members(org, UNKNOWN), { roles: ['member'] })
      expect(noUser.status).toBe(404)
      expect(noUser.body.code).toBe('USER_NOT_FOUND')
      expect((await client().call('PUT', members('nope', user), { roles: ['member'] })).status).toBe(400)
    })

    it('refuses to give a disabled user a membership (409 USER_DISABLED)', async () => {
      const [org, user] = [await client().organization(), await client().user()]
      await client().call('PATCH', `/users/${user}`, { status: 'disabled' })
      const refused = await client().call('PUT', members(org, user), { roles: ['member'] })
      expect(refused.status).toBe(409)
      expect(refused.body.code).toBe('USER_DISABLED')
    })

    it('refuses a new member in a closed organization (409 ORG_CLOSED); removing one is allowed', async () => {
      const [org, member, newcomer] = [
        await client().organization(),
        await client().user(),
        await client().user(),
      ]
      await client().call('PUT', members(org, member), { roles: ['member'] })
      expect((await client().call('POST', `/organizations/${org}/close`, {})).status).toBe(200)
      const refused = await client().call('PUT', members(org, newcomer), { roles: ['member'] })
      expect(refused.status).toBe(409)
      expect(refused.body.code).toBe('ORG_CLOSED')
      expect((await client().call('DELETE', members(org, member))).status).toBe(204)
    })

    it('with a stale If-Match answers 412 and changes nothing', async () => {
      const [org, user] = [await client().organization(), await client().user()]
      await client().call('PUT', members(org, user), { roles: ['member'] })
      const stale = await client().call(
        'PUT',
        members(org, user),
        { roles: ['org_admin'] },
        { 'if-match': '"0"' },
      )
      expect(stale.status).toBe(412)
      expect((await client().call('GET', `/users/${user}`)).body.memberships[0].roles).toEqual(['member'])
    })
  })

  describe('DELETE /organizations/{id}/members/{user_id}', () => {
    it('removes a member (204), then answers 404 NOT_A_MEMBER', async () => {
      const [org, user] = [await client().organization(), await client().user()]
      await client().call('PUT', members(org, user), { roles: ['member'] })
      const removed = await client().call('DELETE', members(org, user))
      expect(removed.status).toBe(204)
      expect((await client().call('GET', `/users/${user}`)).body.memberships).toEqual([])
      const again = await client().call('DELETE', members(org, user))
      expect(again.status).toBe(404)
      expect(again.body.code).toBe('NOT_A_MEMBER')
    })

    it('removes a disabled user from an organization', async () => {
      const [org, user] = [await client().organization(), await client().user()]
      await client().call('PUT', members(org, user), { roles: ['member'] })
      await client().call('PATCH', `/users/${user}`, { status: 'disabled' })
      expect((await client().call('DELETE', members(org, user))).status).toBe(204)
    })

    it('answers 404 for an unknown organization or user', async () => {
      const [org, user] = [await client().organization(), await client().user()]
      const noOrg = await client().call('DELETE', members(UNKNOWN, user))
      expect(noOrg.status).toBe(404)
      expect(noOrg.body.code).toBe('ORG_NOT_FOUND')
      const noUser = await client().call('DELETE', members(org, UNKNOWN))
      expect(noUser.status).toBe(404)
      expect(noUser.body.code).toBe('USER_NOT_FOUND')
    })
  })
}
