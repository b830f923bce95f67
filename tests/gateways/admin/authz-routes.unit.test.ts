import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTIONS } from '../../../domain/authorization/actions.ts'
import { adminRouteRules } from '../../../gateways/admin/route-actions.ts'
import { ruleKey } from '../../../gateways/http/authorize.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { startAdminApp } from './admin-app.ts'

// Every admin route the app registers declares its action (gateways/admin/route-actions.ts): a
// route added without one is open to platform admins only and fails here. The routes are read
// from the app itself, so a new route is covered without touching this test.

const PREFIX = '/admin/v1'
/**
 * Served before authentication, to anyone: the OpenAPI document, the status probes, and setting a
 * password with an invitation (its token is the credential).
 */
const PUBLIC = [/^\/admin\/v1\/openapi\.json$/, /^\/admin\/v1\/status\//, /^\/admin\/v1\/invitations\//]

type App = Awaited<ReturnType<typeof startAdminApp>>
let handle: TestDatabase
let admin: App

beforeAll(async () => {
  handle = await makePglite()
  admin = await startAdminApp(handle.db)
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

const methodsOf = (route: RouteOptions) => (Array.isArray(route.method) ? route.method : [route.method])

function securedRouteKeys(): string[] {
  const secured = admin.routes.filter((route) => !PUBLIC.some((pattern) => pattern.test(route.url)))
  const keys = secured.flatMap((route) =>
    methodsOf(route).map((method) => ruleKey(method, route.url, PREFIX)),
  )
  return [...new Set(keys)]
}

describe('the admin route table', () => {
  it('declares an action for every registered admin route', () => {
    const rules = adminRouteRules(handle.db)
    const keys = securedRouteKeys()
    expect(keys.length).toBeGreaterThan(20)
    expect(keys.filter((key) => !(key in rules))).toEqual([])
  })

  it('declares nothing for a route that does not exist, and only actions of the vocabulary', () => {
    const rules = adminRouteRules(handle.db)
    const keys = new Set(securedRouteKeys())
    expect(Object.keys(rules).filter((key) => !keys.has(key))).toEqual([])
    const actions: readonly string[] = ACTIONS
    expect(Object.values(rules).filter((rule) => !actions.includes(rule.action))).toEqual([])
  })
})
