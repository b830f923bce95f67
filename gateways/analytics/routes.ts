import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import { v7 } from 'uuid'
import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import { appendToStream } from '../../infra/event-store/append.ts'
import { loadAuthorizer } from '../../infra/opa/authorizer.ts'
import type { Authorizer } from '../../infra/ports/authorizer.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { SpendLedger } from '../../infra/ports/spend-ledger.ts'
import { createSqlRecordedSpend } from '../../projections/usage/recorded-spend.ts'
import { queryFreshness, queryUsage } from '../../projections/usage/usage-query.ts'
import type { AccessTokenVerifier } from '../http/access-tokens.ts'
import { authenticate } from '../http/authenticate.ts'
import { authorizeRequests, field, orgResource, type RouteRule, type RouteRules } from '../http/authorize.ts'
import { denialRecorder } from '../http/denial-audit.ts'
import type { DenialBudget } from '../http/denial-budget.ts'
import { useErrorFormat } from '../http/errors/reply.ts'
import { type ReadinessCheck, statusRoutes } from '../http/readiness.ts'
import { requestMetadata } from '../http/request-metadata.ts'
import { spendQuery, spendReport, spendResponse } from './spend.ts'

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
}

const HOUR_MS = 3_600_000
// Bounds the rows one request can ask for: 31 days of hours, or ~5 years of days.
const MAX_BUCKETS = 24 * 31 + 1
const MAX_DAYS = 366 * 5
// Dates outside this window cannot hold usage, and some (year 0) PostgreSQL refuses outright,
// which was a 500. docs/errors.md states the window.
export const EARLIEST = '2000-01-01T00:00:00Z'
export const LATEST = '2100-01-01T00:00:00Z'

const instant = z.iso
  .datetime({ offset: true })
  .refine((s) => Date.parse(s) >= Date.parse(EARLIEST) && Date.parse(s) <= Date.parse(LATEST), {
    message: `must be between ${EARLIEST} and ${LATEST}`,
  })

const usageQuery = z
  .object({
    organization_id: z.uuid(),
    from: instant,
    to: instant,
    granularity: z.enum(['hour', 'day']).default('hour'),
  })
  .strict()
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] })
  .refine(
    (q) => {
      const hours = (Date.parse(q.to) - Date.parse(q.from)) / HOUR_MS
      return q.granularity === 'hour' ? hours <= MAX_BUCKETS : hours <= MAX_DAYS * 24
    },
    { message: 'the range is too long for this granularity (hour: 31 days, day: 5 years)', path: ['to'] },
  )

const usageResponse = z.object({
  object: z.literal('usage'),
  organization_id: z.uuid(),
  granularity: z.enum(['hour', 'day']),
  data: z.array(
    z.object({
      bucket_start: z.string(),
      requests: z.number(),
      errors: z.number(),
      input_tokens: z.number(),
      output_tokens: z.number(),
      cost_usd: z.number(),
    }),
  ),
  freshness: z.object({
    last_event_at: z.string().nullable(),
    last_ingested_at: z.string().nullable(),
    staleness_seconds: z.number().nullable(),
  }),
})

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
}

/** The analytics API, mounted at /analytics/v1. */
export const analyticsRoutes: FastifyPluginAsyncZod<AnalyticsDeps> = async (app, deps) => {
  useErrorFormat(app, 'problem')
  statusRoutes(app, deps.readiness)
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
    secured.get(
      '/usage',
      { schema: { querystring: usageQuery, response: { 200: usageResponse } } },
      async (request) => {
        const q = request.query
        const [data, freshness] = await Promise.all([
          queryUsage(deps.db, q),
          queryFreshness(deps.db, q.organization_id, deps.now()),
        ])
        return {
          object: 'usage' as const,
          organization_id: q.organization_id,
          granularity: q.granularity,
          data,
          freshness,
        }
      },
    )
    const spend = { db: deps.db, ledger: deps.ledger, recorded: createSqlRecordedSpend(deps.db) }
    secured.get(
      '/spend',
      { schema: { querystring: spendQuery, response: { 200: spendResponse } } },
      async (request) => spendReport(spend, request.query.organization_id, deps.now()),
    )
  })
}
