import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Subject } from '../../../domain/authorization/subject.ts'
import type { OrganizationRole } from '../../../domain/users/user.ts'
import { analyticsRouteRules, analyticsRoutes } from '../../../gateways/analytics/routes.ts'
import { ruleKey } from '../../../gateways/http/authorize.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'

// The analytics API decided by the policy: an organization's usage to its analyst (and org_owner,
// billing_admin), a 404 for any other organization, 403 for a role that does not read analytics.
// The caller is named in a test-only header, as in tests/gateways/admin/authz-app.ts.

const TOKEN = 'analytics-test-token-0123456789'
const ORG_A = '0190a000-0000-7000-8000-00000000000a'
const ORG_B = '0190a000-0000-7000-8000-00000000000b'
let handle: TestDatabase
let app: ReturnType<typeof createServer>
const routes: RouteOptions[] = []

const subject = (roles: OrganizationRole[]): Subject => ({
  actor: 'user:0190a000-0000-7000-8000-000000000001',
  kind: 'user',
  platform_admin: false,
  memberships: { [ORG_A]: roles },
})

beforeAll(async () => {
  handle = await makePglite()
  app = createServer({ logLevel: 'silent', metrics: createMetrics('analytics-authz-test') })
  app.addHook('onRoute', (route) => {
    routes.push(route)
  })
  app.addHook('preValidation', async (request) => {
    const given = request.headers['x-test-subject']
    if (typeof given === 'string' && request.subject) request.subject = JSON.parse(given)
  })
  const now = () => new Date('2026-01-02T00:00:00Z')
  await app.register(analyticsRoutes, {
    prefix: '/analytics/v1',
    db: handle.db,
    ledger: createMemorySpendLedger(),
    adminToken: TOKEN,
    now,
    readiness: [],
  })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await handle?.dispose()
})

async function usage(organization_id: string, caller?: Subject) {
  const headers = {
    authorization: `Bearer ${TOKEN}`,
    ...(caller ? { 'x-test-subject': JSON.stringify(caller) } : {}),
  }
  const url = `/analytics/v1/usage?organization_id=${organization_id}&from=2026-01-01T00:00:00Z&to=2026-01-01T06:00:00Z`
  const response = await app.inject({ method: 'GET', url, headers })
  return { status: response.statusCode, body: response.json() }
}

describe('authorization of the analytics API', () => {
  it("lets the roles that read analytics read their organization's usage", async () => {
    for (const role of ['analyst', 'billing_admin', 'org_owner'] as const) {
      expect([role, (await usage(ORG_A, subject([role]))).status]).toEqual([role, 200])
    }
  })

  it('answers another organization with the 404 of one that does not exist', async () => {
    const refused = await usage(ORG_B, subject(['analyst']))
    expect(refused.status).toBe(404)
    expect(refused.body).toMatchObject({ code: 'ORG_NOT_FOUND', errors: { organization_id: ORG_B } })
  })

  it('answers 403 to a role of the organization that does not read analytics', async () => {
    for (const role of ['org_admin', 'auditor', 'member'] as const) {
      const refused = await usage(ORG_A, subject([role]))
      expect([role, refused.status, refused.body.code]).toEqual([role, 403, 'FORBIDDEN'])
    }
  })

  it('still answers the bootstrap admin token for any organization', async () => {
    expect((await usage(ORG_B)).status).toBe(200)
  })

  it('declares an action for every analytics route it registers', () => {
    // The status routes (probes, GET /status) are served before authentication.
    const secured = routes.filter((route) => !route.url.startsWith('/analytics/v1/status'))
    const methods = (route: RouteOptions) => (Array.isArray(route.method) ? route.method : [route.method])
    const keys = secured.flatMap((route) =>
      methods(route).map((method) => ruleKey(method, route.url, '/analytics/v1')),
    )
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.filter((key) => !(key in analyticsRouteRules))).toEqual([])
  })
})
