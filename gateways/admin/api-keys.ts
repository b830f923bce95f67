import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { issueApiKey } from '../../commands/api-keys/issue-api-key.ts'
import { type AdminDeps, commandContext, name } from './context.ts'

const apiKey = z.object({
  id: z.uuid(),
  object: z.literal('api_key'),
  organization_id: z.uuid(),
  name: z.string(),
  key: z.string(),
  key_prefix: z.string(),
  created_at: z.string(),
})

/** /api-keys: issue a key (its secret is in this response only). */
export const apiKeyRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  app.post(
    '/api-keys',
    { schema: { body: z.object({ organization_id: z.uuid(), name }).strict(), response: { 201: apiKey } } },
    async (request, reply) => {
      const issued = await issueApiKey(deps.commands, request.body, commandContext(request))
      await deps.awaitProjection(issued.position)
      reply.code(201)
      const { api_key_id, organization_id, key, key_prefix, created_at } = issued
      return {
        id: api_key_id,
        object: 'api_key' as const,
        organization_id,
        name: issued.name,
        key,
        key_prefix,
        created_at,
      }
    },
  )
}
