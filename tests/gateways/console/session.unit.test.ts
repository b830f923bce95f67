import { describe, expect, it } from 'vitest'
import type { Api } from '../../../gateways/console/src/contract.ts'
import {
  allowedPages,
  buildSession,
  type Me,
  pickOrganization,
} from '../../../gateways/console/src/session.ts'

const me: Me = {
  user: { id: 'u1', email: 'ada@example.com', name: 'Ada' },
  platform_admin: false,
  organizations: [
    { id: 'acme', name: 'Acme', roles: ['member'], actions: ['api_keys:create'] },
    { id: 'globex', name: 'Globex', roles: ['org_admin'], actions: ['api_keys:list', 'api_keys:revoke'] },
  ],
  platform_actions: [],
}
const api = {} as Api

describe('the session', () => {
  it('allows in an organization exactly what /admin/v1/me lists for it, in either spelling', () => {
    const acme = buildSession(api, me, 'acme')
    expect([acme.can('api_keys:create'), acme.can('api_keys.create'), acme.can('api_keys:list')]).toEqual([
      true,
      true,
      false,
    ])
    const globex = buildSession(api, me, 'globex')
    expect([globex.can('api_keys:list'), globex.can('api_keys:create')]).toEqual([true, false])
    expect(globex.organizations).toEqual([
      { id: 'acme', name: 'Acme' },
      { id: 'globex', name: 'Globex' },
    ])
  })

  it('opens the organization chosen last time if the user still has it, else the first', () => {
    expect(pickOrganization(me, 'globex')).toBe('globex')
    expect(pickOrganization(me, 'gone')).toBe('acme')
    expect(pickOrganization({ ...me, organizations: [] }, null)).toBe('')
  })

  it('leaves out of the navigation the pages whose action is not allowed', () => {
    const pages = [
      { path: '/keys', action: 'api_keys:list' },
      { path: '/usage', action: 'analytics:read' },
      { path: '/help' },
    ]
    expect(allowedPages(pages, buildSession(api, me, 'acme')).map((p) => p.path)).toEqual(['/help'])
    expect(allowedPages(pages, buildSession(api, me, 'globex')).map((p) => p.path)).toEqual([
      '/keys',
      '/help',
    ])
  })
})
