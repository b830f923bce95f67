import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { createOrganization } from '../../commands/organizations/create-organization.ts'
import { updateOrganization } from '../../commands/organizations/update-organization.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { listOrganizations } from '../../projections/organizations/organizations.ts'
import { pageInCommitOrder } from '../http/pagination.ts'
import { type AdminDeps, commandContext } from './context.ts'
import { organizationLifecycleRoutes } from './organization-lifecycle.ts'
import {
  createBody,
  listQuery,
  organization,
  organizationList,
  orgParams,
  patchBody,
} from './organization-schemas.ts'
import { replyAfterCommand, replyWithOrganization, shownOrganization } from './organization-view.ts'
import { created, requireIfMatch } from './preconditions.ts'

/** /organizations: create, list, read, change (name and settings); lifecycle in its own file. */
export const organizationRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  app.post(
    '/organizations',
    { schema: { body: createBody, response: { 201: organization } } },
    async (request, reply) => {
      const org = await createOrganization(deps.commands, request.body, commandContext(request))
      created(reply, `${app.prefix}/organizations/${org.organization_id}`)
      return replyAfterCommand(deps, reply, org.organization_id, org.position)
    },
  )

  app.get(
    '/organizations',
    { schema: { querystring: listQuery, response: { 200: organizationList } } },
    async (request) => {
      const { limit, cursor, status } = request.query
      const page = await pageInCommitOrder({ limit, cursor }, (window) =>
        listOrganizations(deps.readModels, { ...window, status }),
      )
      return { ...page, data: page.data.map(shownOrganization) }
    },
  )

  app.get(
    '/organizations/:organization_id',
    { schema: { params: orgParams, response: { 200: organization } } },
    async (request, reply) => replyWithOrganization(deps, reply, request.params.organization_id),
  )

  app.patch(
    '/organizations/:organization_id',
    { schema: { params: orgParams, body: patchBody, response: { 200: organization } } },
    async (request, reply) => {
      const { organization_id } = request.params
      requireIfMatch(request, organizationStream(organization_id))
      const input = { organization_id, ...request.body }
      const changed = await updateOrganization(deps.commands, input, commandContext(request))
      return replyAfterCommand(deps, reply, organization_id, changed.position)
    },
  )

  await app.register(organizationLifecycleRoutes, deps)
}
