import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import {
  closeOrganization,
  reactivateOrganization,
  suspendOrganization,
} from '../../commands/organizations/lifecycle.ts'
import { type AdminDeps, commandContext } from './context.ts'
import { emptyBody, organization, orgParams, suspendBody } from './organization-schemas.ts'
import { replyAfterCommand } from './organization-view.ts'

/**
 * POST /organizations/{id}/suspend, /reactivate and /close: 200 with the organization after the
 * change. A refused move is a 409 with its code (ORG_SUSPENDED, ORG_NOT_SUSPENDED, ORG_CLOSED).
 */
export const organizationLifecycleRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  app.post(
    '/organizations/:organization_id/suspend',
    { schema: { params: orgParams, body: suspendBody, response: { 200: organization } } },
    async (request, reply) => {
      const input = { ...request.params, reason: request.body.reason }
      const changed = await suspendOrganization(deps.commands, input, commandContext(request))
      return replyAfterCommand(deps, reply, changed.organization_id, changed.position)
    },
  )

  app.post(
    '/organizations/:organization_id/reactivate',
    { schema: { params: orgParams, body: emptyBody, response: { 200: organization } } },
    async (request, reply) => {
      const changed = await reactivateOrganization(deps.commands, request.params, commandContext(request))
      return replyAfterCommand(deps, reply, changed.organization_id, changed.position)
    },
  )

  app.post(
    '/organizations/:organization_id/close',
    { schema: { params: orgParams, body: emptyBody, response: { 200: organization } } },
    async (request, reply) => {
      const changed = await closeOrganization(deps.commands, request.params, commandContext(request))
      return replyAfterCommand(deps, reply, changed.organization_id, changed.position)
    },
  )
}
