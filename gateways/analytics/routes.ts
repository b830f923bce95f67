import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import { v7 } from 'uuid'
import { AppError } from '../../domain/errors.ts'
import { appendToStream } from '../../infra/event-store/append.ts'
import { createMemoryFreshnessCache } from '../../infra/memory/freshness-cache.ts'
import { loadAuthorizer } from '../../infra/opa/authorizer.ts'
import type { Authorizer } from '../../infra/ports/authorizer.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { FreshnessCache } from '../../infra/ports/freshness-cache.ts'
import type { SpendLedger } from '../../infra/ports/spend-ledger.ts'
import { cachedFreshness } from '../../projections/usage/freshness.ts'
import { createSqlRecordedSpend } from '../../projections/usage/recorded-spend.ts'
import type { AccessTokenVerifier } from '../http/access-tokens.ts'
import { authenticate } from '../http/authenticate.ts'
import { authorizeRequests, field, orgResource, type RouteRule, type RouteRules } from '../http/authorize.ts'
import { denialRecorder } from '../http/denial-audit.ts'
import type { DenialBudget } from '../http/denial-budget.ts'
import { useErrorFormat } from '../http/errors/reply.ts'
import { type ReadinessCheck, statusRoutes } from '../http/readiness.ts'
import { requestMetadata } from '../http/request-metadata.ts'
import { type ExportRouteDeps, exportRouteRules, exportRoutes } from './exports.ts'
import { freshnessSchema } from './params.ts'
import { reliabilityQuery, reliabilityReport, reliabilityResponse } from './reliability.ts'
import { spendQuery, spendReport, spendResponse } from './spend.ts'
import { ingestStatusRoute } from './status.ts'
import { usageQuery, usageReport, usageResponse } from './usage.ts'

export interface AnalyticsDeps {
  db: Sql
  /** The routers' spend ledger (Redis, or the embedded router's own): GET /spend shows its counters. */
  ledger: SpendLedger
  adminToken: string
  now: () => Date
  readiness: readonly ReadinessCheck[]
  /** Decides every request (docs/security.md); absent: the kept policy.wasm, loaded once here. */
  authorizer?: Authorizer | undefined
  /** The issuer's access tokens (gateways/http/access-tokens.ts); absent: the admin token only. */
  verifyAccessToken?: AccessTokenVerifier | undefined
  /** Bounds the AccessDenied events per actor (denial-budget.ts); absent: DENIAL_BUDGET. */
  denialBudget?: DenialBudget | undefined
  /** Caches each organization's freshness for a second (Redis when separate); absent: in process. */
  freshnessCache?: FreshnessCache | undefined
  /** The export routes' object store and URL life; absent: no /exports routes (gateways/analytics/exports.ts). */
  exports?: Pick<ExportRouteDeps, 'store' | 'urlTtlSeconds'> | undefined
}

/** An analytics read of one organization, named by the `organization_id` query parameter. */
const orgRead = (kind: string): RouteRule => ({
  action: 'analytics:read',
  resource: (request) => orgResource(kind, field(request, 'query', 'organization_id')),
  missing: (request) =>
    new AppError('ORG_NOT_FOUND', 'no such organization', {
      organization_id: field(request, 'query', 'organization_id'),
    }),
})

/** The action of every analytics route and the organization it reads (gateways/http/authorize.ts). */
export const analyticsRouteRules: RouteRules = {
  'GET /usage': orgRead('usage'),
  'GET /spend': orgRead('spend'),
  'GET /reliability': orgRead('reliability'),
  ...exportRouteRules,
}

/** The analytics API, mounted at /analytics/v1. */
export const analyticsRoutes: FastifyPluginAsyncZod<AnalyticsDeps> = async (app, deps) => {
  useErrorFormat(app, 'problem')
  statusRoutes(app, deps.readiness)
  ingestStatusRoute(app, deps)
  const authorizer = deps.authorizer ?? (await loadAuthorizer())

  await app.register(async (scope) => {
    const secured = scope.withTypeProvider<ZodTypeProvider>()
    const { adminToken, verifyAccessToken } = deps
    secured.addHook('onRequest', authenticate({ adminToken, verifyAccessToken }))
    const recordDenial = denialRecorder({
      append: (stream, events) => appendToStream(deps.db, stream, events, 'any'),
      newId: v7,
      now: deps.now,
      metadata: (request, actor) => requestMetadata(request, actor, 'analytics-api'),
      budget: deps.denialBudget,
    })
    authorizeRequests(secured, authorizer, analyticsRouteRules, recordDenial)
    const cache = deps.freshnessCache ?? createMemoryFreshnessCache()
    const reports = {
      db: deps.db,
      freshness: (organizationId: string) => cachedFreshness(deps.db, cache, organizationId, deps.now()),
    }
    secured.get(
      '/usage',
      { schema: { querystring: usageQuery, response: { 200: usageResponse } } },
      async (request) => usageReport(reports, request.query),
    )
    secured.get(
      '/reliability',
      { schema: { querystring: reliabilityQuery, response: { 200: reliabilityResponse } } },
      async (request) => reliabilityReport(reports, request.query),
    )
    if (deps.exports) exportRoutes(secured, { db: deps.db, now: deps.now, ...deps.exports })
    const spend = { db: deps.db, ledger: deps.ledger, recorded: createSqlRecordedSpend(deps.db) }
    secured.get(
      '/spend',
      {
        schema: {
          querystring: spendQuery,
          response: { 200: spendResponse.extend({ freshness: freshnessSchema }) },
        },
      },
      async (request) => {
        const organizationId = request.query.organization_id
        const [report, freshness] = await Promise.all([
          spendReport(spend, organizationId, deps.now()),
          reports.freshness(organizationId),
        ])
        return { ...report, freshness }
      },
    )
  })
}
