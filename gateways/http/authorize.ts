import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Action, Resource } from '../../domain/authorization/actions.ts'
import type { Subject } from '../../domain/authorization/subject.ts'
import { AppError } from '../../domain/errors.ts'
import type { Authorizer } from '../../infra/ports/authorizer.ts'
import type { DenialRecorder } from './denial-audit.ts'

// Every admin and analytics request is decided by the policy (domain/authorization/policy.rego)
// before its handler runs: each route declares its action and how to find the organization of
// what it acts on (a RouteRule). A refusal is answered as the policy says: the route's own 404
// when the caller holds no role in that organization, so a hidden resource and a missing one
// get the same answer, and FORBIDDEN (403) inside the caller's organization. Every refusal is
// logged and recorded as an AccessDenied event (denial-audit.ts). docs/security.md.

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, set by authentication (an onRequest hook); authorization decides on it. */
    subject?: Subject
  }
}

export interface RouteRule {
  action: Action
  /** The resource the request acts on; null: it does not exist. */
  resource: (request: FastifyRequest) => Resource | null | Promise<Resource | null>
  /** The 404 the route answers for a resource that does not exist: a hidden one gets the very same. */
  missing: (request: FastifyRequest) => AppError
  /**
   * Another resource the request names besides the one it acts on (a budget's API key), decided
   * once the first is allowed: one of an organization the caller holds no role in gets the 404 the
   * handler gives one that does not exist (`missing`), so the reference does not reveal it either.
   * Null: it names none, or none that exists (the handler answers that).
   */
  refers?: (request: FastifyRequest) => Promise<Reference | null>
}

export interface Reference {
  resource: Resource
  missing: AppError
}

/** Rules by `METHOD /path` as the route is registered, without the API's prefix (`GET /api-keys/:api_key_id`). */
export type RouteRules = Readonly<Record<string, RouteRule>>

export const ruleKey = (method: string, url: string, prefix: string): string =>
  `${method === 'HEAD' ? 'GET' : method} ${url.startsWith(prefix) ? url.slice(prefix.length) : url}`

export type Part = 'params' | 'body' | 'query'

/** A string field of the request's (already validated) params, body or query; null when absent. */
export function field(request: FastifyRequest, part: Part, name: string): string | null {
  const source: unknown = request[part]
  if (typeof source !== 'object' || source === null) return null
  const value: unknown = Reflect.get(source, name)
  return typeof value === 'string' ? value : null
}

/** A string-array field of the request's body (the roles a request grants); empty when absent. */
export function texts(request: FastifyRequest, name: string): string[] {
  const body: unknown = request.body
  if (typeof body !== 'object' || body === null) return []
  const value: unknown = Reflect.get(body, name)
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

/** A platform resource: its organization is none, its existence no secret. */
export const platformResource = (type: string): Resource => ({ type, organization_id: null, owner: null })

/** A resource of one organization (null: the request names none, which only a platform admin may ask). */
export const orgResource = (type: string, organization_id: string | null | undefined): Resource => ({
  type,
  organization_id: organization_id ?? null,
  owner: null,
})

/**
 * Decides every request of `app` (a preHandler: after authentication and schema validation, before
 * the idempotency claim, so a refused request never replays a stored response). A route without a
 * rule is open to platform admins only: a route added without one keeps the old token's behaviour
 * and refuses everyone else, and tests/gateways/admin/authz-routes.unit.test.ts fails on it.
 */
export function authorizeRequests(
  app: FastifyInstance,
  authorizer: Authorizer,
  rules: RouteRules,
  record: DenialRecorder,
): void {
  const prefix = app.prefix
  app.addHook('preHandler', async (request) => {
    const subject = request.subject
    if (!subject) throw new AppError('UNAUTHENTICATED', 'a valid bearer token is required')
    const rule = rules[ruleKey(request.method, request.routeOptions.url ?? '', prefix)]
    if (!rule) {
      if (subject.platform_admin) return
      return refuse(request, record, { subject, rule: null, as: 'forbidden', resource: null })
    }
    const resource = await rule.resource(request)
    if (resource === null) {
      // Gone or never there: a platform admin gets the handler's own answer, as before sign-in.
      if (subject.platform_admin) return
      // Recorded like a hidden resource's refusal: the two answers must not differ, in time either.
      return refuse(request, record, { subject, rule, as: 'not_found', resource: null })
    }
    const decision = authorizer.decide({ subject, action: rule.action, resource })
    if (!decision.allow) await refuse(request, record, { subject, rule, as: decision.deny_as, resource })
    const reference = subject.platform_admin ? null : await rule.refers?.(request)
    if (!reference) return
    const referred = authorizer.decide({ subject, action: rule.action, resource: reference.resource })
    if (!referred.allow) {
      const as = referred.deny_as
      const missing = () => reference.missing
      await refuse(request, record, { subject, rule: { ...rule, missing }, as, resource: reference.resource })
    }
  })
}

interface Refusal {
  subject: Subject
  rule: RouteRule | null
  as: 'not_found' | 'forbidden'
  resource: Resource | null
}

async function refuse(request: FastifyRequest, record: DenialRecorder, refusal: Refusal): Promise<never> {
  const { subject, rule, as, resource } = refusal
  const action = rule?.action ?? null
  request.log.warn({ actor: subject.actor, action, resource, deny_as: as }, 'authorization denied')
  // Awaited: the event is in the log when the caller reads the answer; it never throws.
  await record(request, { actor: subject.actor, action, resource, answered: as })
  if (as === 'not_found' && rule) throw rule.missing(request)
  throw new AppError('FORBIDDEN', `${subject.actor} may not ${action ?? 'use this route'}`)
}
