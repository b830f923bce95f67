import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { loadAuthorizer } from '../../infra/opa/authorizer.ts'
import { authenticate } from '../http/authenticate.ts'
import { authorizeRequests } from '../http/authorize.ts'
import { denialRecorder } from '../http/denial-audit.ts'
import { useErrorFormat } from '../http/errors/reply.ts'
import { statusRoutes } from '../http/readiness.ts'
import { requestMetadata } from '../http/request-metadata.ts'
import { apiKeyRoutes } from './api-keys.ts'
import { auditRoutes } from './audit.ts'
import { budgetRoutes } from './budgets.ts'
import type { AdminDeps } from './context.ts'
import { credentialRoutes, invitationRoutes } from './credentials.ts'
import { useIdempotencyKeys } from './idempotency.ts'
import { meRoutes } from './me.ts'
import { modelHealthRoutes } from './model-health.ts'
import { modelRoutes } from './models.ts'
import { collectOpenApi, openApiRoute } from './openapi.ts'
import { organizationRoutes } from './organizations.ts'
import { runHandlersInScope, scopedCommands } from './request-scope.ts'
import { adminRouteRules } from './route-actions.ts'
import { serviceAccountRoutes } from './service-accounts.ts'
import { userRoutes } from './users.ts'

export type { AdminDeps } from './context.ts'

/**
 * One plugin per resource, each in its own file; every one sits behind the admin token. A new
 * resource adds one line here.
 */
const resources: readonly FastifyPluginAsyncZod<AdminDeps>[] = [
  organizationRoutes,
  budgetRoutes,
  apiKeyRoutes,
  modelRoutes,
  modelHealthRoutes,
  userRoutes,
  serviceAccountRoutes,
  credentialRoutes,
  auditRoutes,
]

/** The identity admin API: commands in, read models out. Mounted at /admin/v1. */
export const adminRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, options) => {
  useErrorFormat(app, 'problem')
  await collectOpenApi(app)
  openApiRoute(app)
  statusRoutes(app, options.readiness)
  // The options also carry this plugin's own `prefix`: passed on as they are, every resource
  // would be mounted under the prefix twice.
  const { commands, readModels, adminToken, awaitProjection, readiness } = options
  const { secrets, backendAddresses, healthBoard } = options
  const authorizer = options.authorizer ?? (await loadAuthorizer())
  const deps: AdminDeps = {
    commands: scopedCommands(commands),
    readModels,
    adminToken,
    awaitProjection,
    readiness,
    secrets,
    backendAddresses,
    healthBoard,
  }

  // The invitation token is the credential of this one route: outside the admin token and the policy.
  await app.register(invitationRoutes, deps)
  await app.register(async (secured) => {
    // Who is calling (the admin token or an access token), then what the policy lets them do.
    secured.addHook('onRequest', authenticate({ adminToken, verifyAccessToken: options.verifyAccessToken }))
    // Before the idempotency claim: a refused request never replays a stored response.
    const recordDenial = denialRecorder({
      append: (stream, events) => commands.store.append(stream, events, 'any'),
      newId: commands.newId,
      now: commands.now,
      metadata: (request, actor) => requestMetadata(request, actor, 'admin-api'),
      budget: options.denialBudget,
    })
    authorizeRequests(secured, authorizer, adminRouteRules(deps.readModels), recordDenial)
    runHandlersInScope(secured)
    useIdempotencyKeys(secured, { db: deps.readModels, now: commands.now })
    for (const resource of resources) await secured.register(resource, deps)
    // Decided by the same authorizer as every route, so it needs it (the console's `can`).
    await secured.register(meRoutes, { ...deps, authorizer })
  })
}
