import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { createOrganization } from '../../commands/organizations/create-organization.ts'
import { AppError } from '../../domain/errors.ts'
import { findOrganization } from '../../projections/organizations/organizations.ts'
import { type AdminDeps, commandContext, name } from './context.ts'
import { created } from './preconditions.ts'

const organization = z.object({
  id: z.uuid(),
  object: z.literal('organization'),
  name: z.string(),
  created_at: z.string(),
  monthly_limit_usd: z.number().nullable(),
})

/** /organizations: create one, read one. */
export const organizationRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  app.post(
    '/organizations',
    { schema: { body: z.object({ name }).strict(), response: { 201: organization } } },
    async (request, reply) => {
      const org = await createOrganization(deps.commands, request.body, commandContext(request))
      await deps.awaitProjection(org.position)
      created(reply, `${app.prefix}/organizations/${org.organization_id}`)
      return {
        id: org.organization_id,
        object: 'organization' as const,
        name: org.name,
        created_at: org.created_at,
        monthly_limit_usd: null,
      }
    },
  )

  app.get(
    '/organizations/:organization_id',
    { schema: { params: z.object({ organization_id: z.uuid() }), response: { 200: organization } } },
    async (request) => {
      const found = await findOrganization(deps.readModels, request.params.organization_id)
      if (!found) throw new AppError('ORG_NOT_FOUND', 'no such organization', request.params)
      return { ...found, object: 'organization' as const }
    },
  )
}
