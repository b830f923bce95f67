import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Subject } from '../../../domain/authorization/subject.ts'
import { ORGANIZATION_ROLES } from '../../../domain/users/user.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { auth } from './admin-app.ts'
import { as, startAuthzApp } from './authz-app.ts'

// GET /admin/v1/me through the real policy: a person sees its own organizations only (never
// another tenant's, not even its name) and, in each, exactly the actions the routes would allow it;
// the console hides what is not listed (docs/console.md).

type App = Awaited<ReturnType<typeof startAuthzApp>>
let handle: TestDatabase
let admin: App
const ids = { acme: '', globex: '', ada: '' }

const ada = (memberships: Subject['memberships']): Subject => ({
  actor: `user:${ids.ada}`,
  kind: 'user',
  platform_admin: false,
  memberships,
})

async function created(url: string, payload: object): Promise<string> {
  const response = await admin.call('POST', url, auth, payload)
  expect(response.status).toBe(201)
  return response.body.id
}

beforeAll(async () => {
  handle = await makePglite()
  admin = await startAuthzApp(handle.db)
  ids.acme = await created('/organizations', { name: 'Acme' })
  ids.globex = await created('/organizations', { name: 'Globex' })
  ids.ada = await created('/users', { email: 'ada@me.test', display_name: 'Ada' })
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

describe('GET /me', () => {
  it("lists the caller's organizations and the actions the policy allows in each", async () => {
    const subject = ada({ [ids.acme]: ['member'], [ids.globex]: ['org_admin'] })
    const response = await admin.call('GET', '/me', as(subject))
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect(response.body.user).toEqual({ id: ids.ada, email: 'ada@me.test', name: 'Ada' })
    const byId = new Map(response.body.organizations.map((org: { id: string }) => [org.id, org]))
    const acme = byId.get(ids.acme) as { name: string; roles: string[]; actions: string[] }
    const globex = byId.get(ids.globex) as { actions: string[] }
    expect([acme.name, acme.roles]).toEqual(['Acme', ['member']])
    // A member creates keys of its own but may not list the organization's keys or see usage.
    expect(acme.actions).toContain('api_keys:create')
    expect(acme.actions).not.toContain('api_keys:list')
    expect(acme.actions).not.toContain('analytics:read')
    expect(globex.actions).toEqual(
      expect.arrayContaining(['api_keys:list', 'api_keys:revoke', 'members:update']),
    )
    expect(globex.actions).not.toContain('organizations:update')
    expect(response.body.platform_actions).toEqual([])
  })

  it('never shows an organization the caller holds no role in, whatever its role', async () => {
    for (const role of ORGANIZATION_ROLES) {
      const response = await admin.call('GET', '/me', as(ada({ [ids.acme]: [role] })))
      const shown = response.body.organizations.map((org: { id: string }) => org.id)
      expect([role, shown]).toEqual([role, [ids.acme]])
      expect(JSON.stringify(response.body)).not.toContain(ids.globex)
      expect(JSON.stringify(response.body)).not.toContain('Globex')
    }
  })

  it('lists what the API allows, and the API refuses what it does not list', async () => {
    const subject = ada({ [ids.acme]: ['org_admin'] })
    const response = await admin.call('GET', '/me', as(subject))
    expect(response.body.organizations[0].actions).toContain('api_keys:list')
    // `can` follows the API: listed is allowed, unlisted refused.
    const listed = await admin.call('GET', `/api-keys?organization_id=${ids.acme}`, as(subject))
    expect(listed.status).toBe(200)
    const hidden = await admin.call('GET', `/api-keys?organization_id=${ids.globex}`, as(subject))
    expect(hidden.status).toBe(404)
  })

  it('shows a platform admin every organization and the platform actions', async () => {
    const response = await admin.call('GET', '/me', auth)
    expect(response.status).toBe(200)
    const names = response.body.organizations.map((org: { name: string }) => org.name)
    expect(names).toEqual(expect.arrayContaining(['Acme', 'Globex']))
    expect(response.body.platform_admin).toBe(true)
    expect(response.body.platform_actions).toEqual(
      expect.arrayContaining(['models:create', 'organizations:create']),
    )
  })

  it('refuses a service account: it is no person', async () => {
    const robot: Subject = {
      actor: 'service-account:sa1',
      kind: 'service_account',
      platform_admin: false,
      memberships: { [ids.acme]: ['org_admin'] },
    }
    expect((await admin.call('GET', '/me', as(robot))).status).toBe(403)
  })
})
