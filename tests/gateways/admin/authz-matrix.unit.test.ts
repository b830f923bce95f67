import type { FastifyRequest } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Subject } from '../../../domain/authorization/subject.ts'
import { ORGANIZATION_ROLES } from '../../../domain/users/user.ts'
import { adminRouteRules } from '../../../gateways/admin/route-actions.ts'
import { loadAuthorizer } from '../../../infra/opa/authorizer.ts'
import type { Authorizer } from '../../../infra/ports/authorizer.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { auth } from './admin-app.ts'
import { startAuthzApp } from './authz-app.ts'

// Every rule of the admin route table × every organization role held in organization A, asked
// about organization B's resources (its id, key, budget, service account, wherever the route reads
// it): the rule must find organization B, and the policy must answer "not_found", the answer that
// cannot be told from a missing resource. A new route's rule joins the matrix by being in the
// table. (The HTTP answers themselves are in authz.unit.test.ts.)

let handle: TestDatabase
let admin: Awaited<ReturnType<typeof startAuthzApp>>
let authorizer: Authorizer
const b = { organization_id: '', api_key_id: '', budget_id: '', service_account_id: '' }
const ORG_A = '0190a000-0000-7000-8000-00000000000a'

async function created(url: string, payload: object): Promise<string> {
  const response = await admin.app.inject({ method: 'POST', url: `/admin/v1${url}`, headers: auth, payload })
  expect(response.statusCode).toBe(201)
  return response.json().id
}

beforeAll(async () => {
  handle = await makePglite()
  admin = await startAuthzApp(handle.db)
  authorizer = await loadAuthorizer()
  b.organization_id = await created('/organizations', { name: 'matrix B' })
  const organization_id = b.organization_id
  b.api_key_id = await created('/api-keys', { organization_id, name: 'b' })
  const budget = { organization_id, limit_usd: '5', period: 'daily', enforcement: 'soft' }
  b.budget_id = await created('/budgets', budget)
  b.service_account_id = await created('/service-accounts', {
    organization_id,
    name: 'b',
    roles: ['analyst'],
  })
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

/**
 * The actions on platform resources: users, the model catalogue, creating and listing organizations,
 * verifying the (one, platform-wide) audit chain.
 */
const PLATFORM_ACTIONS = /^(users:|models:|organizations:(create|list)$|audit:verify$)/

/**
 * A request to `route` about organization B, each value where such a request carries it: the
 * path's parameters in params, the rest in the query (GET, DELETE) or the body (the other methods).
 */
function requestAboutB(route: string): FastifyRequest {
  const [method = '', path = ''] = route.split(' ')
  const everything: Record<string, unknown> = {
    ...b,
    user_id: '0190a000-0000-7000-8000-000000000001',
    name: 'echo',
    roles: ['member'],
  }
  const inPath = [...path.matchAll(/:([a-z_]+)/g)].map((match) => match[1] ?? '')
  const params = Object.fromEntries(inPath.map((name) => [name, everything[name]]))
  const rest = Object.fromEntries(Object.entries(everything).filter(([name]) => !inPath.includes(name)))
  const inQuery = method === 'GET' || method === 'DELETE'
  // A stand-in for fastify's request: the rules read only its validated params, body and query.
  return { params, query: inQuery ? rest : {}, body: inQuery ? undefined : rest } as unknown as FastifyRequest
}

describe('the tenant matrix of the admin route table', () => {
  it('finds organization B for every organization-scoped rule and hides it from every role of A', async () => {
    const rules = adminRouteRules(handle.db)
    const wrong: string[] = []
    for (const [route, rule] of Object.entries(rules)) {
      const resource = await rule.resource(requestAboutB(route))
      if (resource === null) {
        wrong.push(`${route}: found nothing`)
        continue
      }
      const platform = PLATFORM_ACTIONS.test(rule.action)
      const organization = platform ? null : b.organization_id
      if (resource.organization_id !== organization) wrong.push(`${route}: in ${resource.organization_id}`)
      for (const role of ORGANIZATION_ROLES) {
        const subject: Subject = {
          // Not the user the user routes name: a person's own user is self-service (authz.unit.test.ts).
          actor: 'user:0190a000-0000-7000-8000-000000000002',
          kind: 'user',
          platform_admin: false,
          memberships: { [ORG_A]: [role] },
        }
        const decision = authorizer.decide({ subject, action: rule.action, resource })
        const expected = { allow: false, deny_as: platform ? 'forbidden' : 'not_found' }
        if (JSON.stringify(decision) !== JSON.stringify(expected)) wrong.push(`${route} × ${role}`)
      }
    }
    expect(Object.keys(rules).length).toBeGreaterThan(20)
    expect(wrong).toEqual([])
  })
})
