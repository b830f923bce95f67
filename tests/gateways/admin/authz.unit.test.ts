import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Subject } from '../../../domain/authorization/subject.ts'
import type { OrganizationRole } from '../../../domain/users/user.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { auth } from './admin-app.ts'
import { as, startAuthzApp } from './authz-app.ts'

// Authorization on the admin API through the real policy.wasm: a caller of organization A acts in
// A as its roles allow (403 FORBIDDEN beyond them) and meets in organization B exactly the 404 a
// resource that does not exist gets, by id, by filter and on create.

type App = Awaited<ReturnType<typeof startAuthzApp>>
let handle: TestDatabase
let admin: App
const logged: string[] = []
const ids = { orgA: '', orgB: '', keyA: '', keyB: '', budgetA: '', budgetB: '', user: '' }
const NOWHERE = '0190a000-0000-7000-8000-00000000ffff'

const subject = (roles: OrganizationRole[], org = ids.orgA): Subject => ({
  actor: `user:${ids.user}`,
  kind: 'user',
  platform_admin: false,
  memberships: { [org]: roles },
})

const call: App['call'] = (...request) => admin.call(...request)

async function setUp(): Promise<void> {
  for (const org of ['orgA', 'orgB'] as const) {
    ids[org] = (await call('POST', '/organizations', auth, { name: `authz ${org}` })).body.id
  }
  ids.keyA = (await call('POST', '/api-keys', auth, { organization_id: ids.orgA, name: 'a' })).body.id
  ids.keyB = (await call('POST', '/api-keys', auth, { organization_id: ids.orgB, name: 'b' })).body.id
  const budget = (organization_id: string) => ({
    organization_id,
    limit_usd: '10',
    period: 'monthly',
    enforcement: 'hard',
  })
  ids.budgetA = (await call('POST', '/budgets', auth, budget(ids.orgA))).body.id
  ids.budgetB = (await call('POST', '/budgets', auth, budget(ids.orgB))).body.id
  ids.user = (await call('POST', '/users', auth, { email: 'member@authz.test', display_name: 'M' })).body.id
  const membership = await call('PUT', `/organizations/${ids.orgA}/members/${ids.user}`, auth, {
    roles: ['member'],
  })
  expect(membership.status).toBe(200)
}

beforeAll(async () => {
  handle = await makePglite()
  admin = await startAuthzApp(handle.db, { write: (line) => logged.push(line) })
  await setUp()
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

/** A problem+json body without the path it was asked at: what a caller can compare. */
const withoutInstance = ({ instance: _instance, ...body }: Record<string, unknown>) => body

describe('authorization of the admin API', () => {
  it('lets an org_admin manage keys and budgets of its organization', async () => {
    const caller = as(subject(['org_admin']))
    expect((await call('GET', `/api-keys/${ids.keyA}`, caller)).status).toBe(200)
    expect((await call('GET', `/api-keys?organization_id=${ids.orgA}`, caller)).body.data).toHaveLength(1)
    expect((await call('GET', `/budgets/${ids.budgetA}`, caller)).status).toBe(200)
    const issued = await call('POST', '/api-keys', caller, {
      organization_id: ids.orgA,
      name: 'by org_admin',
    })
    expect(issued.status).toBe(201)
  })

  it('answers a key of another organization exactly as a key that does not exist', async () => {
    const caller = as(subject(['org_owner']))
    const foreign = await call('GET', `/api-keys/${ids.keyB}`, caller)
    const absent = await call('GET', `/api-keys/${NOWHERE}`, caller)
    expect(foreign.status).toBe(404)
    expect(foreign.body.code).toBe('API_KEY_NOT_FOUND')
    expect(withoutInstance(foreign.body)).toEqual({
      ...withoutInstance(absent.body),
      errors: { api_key_id: ids.keyB },
    })
    expect((await call('POST', `/api-keys/${ids.keyB}/revoke`, caller)).status).toBe(404)
    expect((await call('GET', `/api-keys/${ids.keyB}`, auth)).body.status).toBe('active')
  })

  it('refuses another organization by filter, on create and by organization id with the 404 of a missing one', async () => {
    const caller = as(subject(['org_owner']))
    const byFilter = await call('GET', `/budgets?organization_id=${ids.orgB}`, caller)
    const create = await call('POST', '/budgets', caller, {
      organization_id: ids.orgB,
      limit_usd: '1',
      period: 'daily',
      enforcement: 'soft',
    })
    const read = await call('GET', `/organizations/${ids.orgB}`, caller)
    const missing = await call('GET', `/organizations/${NOWHERE}`, as(subject(['org_owner'])))
    for (const refused of [byFilter, create, read]) {
      expect(refused.status).toBe(404)
      expect(refused.body.code).toBe('ORG_NOT_FOUND')
    }
    expect(withoutInstance(read.body)).toEqual({
      ...withoutInstance(missing.body),
      errors: { organization_id: ids.orgB },
    })
    expect((await call('GET', `/budgets/${ids.budgetB}`, caller)).body.code).toBe('BUDGET_NOT_FOUND')
  })

  it('answers 403 FORBIDDEN inside the own organization beyond the roles held', async () => {
    const caller = as(subject(['analyst']))
    const refused = await call('POST', '/api-keys', caller, { organization_id: ids.orgA, name: 'by analyst' })
    expect(refused.status).toBe(403)
    expect(refused.body.code).toBe('FORBIDDEN')
    expect((await call('GET', `/budgets/${ids.budgetA}`, caller)).status).toBe(403)
    expect((await call('GET', `/organizations/${ids.orgA}`, caller)).status).toBe(200)
    const keys = await call('GET', `/api-keys?organization_id=${ids.orgA}`, auth)
    expect(keys.body.data.map((key: { name: string }) => key.name)).not.toContain('by analyst')
  })

  it('keeps platform resources and platform-wide lists to platform admins', async () => {
    const caller = as(subject(['org_owner']))
    // Another user (its own is self-service: authz-self-service.unit.test.ts), existing or not.
    for (const url of ['/models', '/organizations', '/users', `/users/${NOWHERE}`]) {
      const refused = await call('GET', url, caller)
      expect([url, refused.status, refused.body.code]).toEqual([url, 403, 'FORBIDDEN'])
    }
    expect((await call('GET', `/users?organization_id=${ids.orgA}`, caller)).status).toBe(200)
  })

  it("lists an organization's members without their memberships elsewhere", async () => {
    const elsewhere = await call('PUT', `/organizations/${ids.orgB}/members/${ids.user}`, auth, {
      roles: ['analyst'],
    })
    expect(elsewhere.status).toBe(200)
    const listed = await call('GET', `/users?organization_id=${ids.orgA}`, as(subject(['org_admin'])))
    const member = listed.body.data.find((user: { id: string }) => user.id === ids.user)
    expect(member.memberships).toEqual([{ organization_id: ids.orgA, roles: expect.any(Array) }])
    const byAdmin = await call('GET', `/users?organization_id=${ids.orgA}`, auth)
    const seen = byAdmin.body.data.find((user: { id: string }) => user.id === ids.user)
    expect(seen.memberships.map((m: { organization_id: string }) => m.organization_id).sort()).toEqual(
      [ids.orgA, ids.orgB].sort(),
    )
    expect((await call('DELETE', `/organizations/${ids.orgB}/members/${ids.user}`, auth)).status).toBe(204)
  })

  it('lets a member issue and revoke its own keys, and no one else', async () => {
    const member = as(subject(['member']))
    const own = await call('POST', '/api-keys', member, {
      organization_id: ids.orgA,
      name: 'mine',
      owner_user_id: ids.user,
    })
    expect(own.status).toBe(201)
    expect((await call('POST', `/api-keys/${own.body.id}/revoke`, member)).status).toBe(200)
    expect(
      (await call('POST', '/api-keys', member, { organization_id: ids.orgA, name: 'unowned' })).status,
    ).toBe(403)
    expect((await call('GET', `/api-keys/${ids.keyA}`, member)).status).toBe(403)
  })

  it('lets an org_admin grant roles up to its own, never org_owner', async () => {
    const caller = as(subject(['org_admin']))
    const url = `/organizations/${ids.orgA}/members/${ids.user}`
    const escalated = await call('PUT', url, caller, { roles: ['member', 'org_owner'] })
    expect([escalated.status, escalated.body.code]).toEqual([403, 'FORBIDDEN'])
    const viaMachine = await call('POST', '/service-accounts', caller, {
      organization_id: ids.orgA,
      name: 'owner by the back door',
      roles: ['org_owner'],
    })
    expect(viaMachine.status).toBe(403)
    const held = (await call('GET', `/users/${ids.user}`, auth)).body.memberships
    expect(held.find((m: { organization_id: string }) => m.organization_id === ids.orgA)).toEqual({
      organization_id: ids.orgA,
      roles: ['member'],
    })
    expect((await call('PUT', url, caller, { roles: ['member', 'analyst'] })).status).toBe(200)
    expect((await call('PUT', url, as(subject(['org_owner'])), { roles: ['member'] })).status).toBe(200)
  })

  it('logs every denial with the actor and the action', async () => {
    await call('GET', `/api-keys/${ids.keyB}`, as(subject(['auditor'])))
    const denial = logged
      .map((line) => JSON.parse(line))
      .find((entry) => entry.action === 'api_keys:read' && entry.msg === 'authorization denied')
    expect(denial).toMatchObject({
      actor: `user:${ids.user}`,
      deny_as: 'not_found',
      resource: { organization_id: ids.orgB },
    })
  })

  it('records a denial as one AccessDenied event in the log, and an allowed request as none', async () => {
    const denials = async (after: bigint) =>
      (await admin.store.readAll({ after })).filter((event) => event.type === 'AccessDenied')
    const [last] = await admin.store.readAll({ after: 0n }).then((all) => all.slice(-1))
    const before = last?.global_position ?? 0n
    // An actor of its own: the per-actor bound (DENIAL_BUDGET) counts the denials of the tests above.
    const actor = 'user:0190a000-0000-7000-8000-0000000000d1'
    const caller = as({ ...subject(['org_owner']), actor })
    const response = await admin.app.inject({
      method: 'GET',
      url: `/admin/v1/budgets/${ids.budgetB}`,
      headers: caller,
    })
    expect(response.statusCode).toBe(404)
    const recorded = await denials(before)
    expect(recorded).toHaveLength(1)
    expect(recorded[0]?.stream).toMatch(/^access_denials-\d{4}-\d{2}-\d{2}$/)
    expect(recorded[0]?.data).toMatchObject({
      actor,
      action: 'budgets:read',
      resource_type: 'budget',
      resource_organization_id: ids.orgB,
      route: '/admin/v1/budgets/:budget_id',
      method: 'GET',
      request_id: response.headers['x-request-id'],
      answered: 'not_found',
    })
    expect(recorded[0]?.metadata).toMatchObject({ actor, source: 'admin-api' })
    const after = recorded[0]?.global_position ?? before
    expect((await call('GET', `/budgets/${ids.budgetA}`, caller)).status).toBe(200)
    expect(await denials(after)).toEqual([])
  })

  it('still lets the bootstrap admin token do everything', async () => {
    expect((await call('GET', `/api-keys/${ids.keyB}`, auth)).status).toBe(200)
    expect((await call('GET', '/organizations', auth)).status).toBe(200)
  })
})
