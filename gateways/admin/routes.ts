import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { issueApiKey } from '../../commands/api-keys/issue-api-key.ts'
import type { CommandContext, CommandDeps } from '../../commands/handle-command.ts'
import { createOrganization } from '../../commands/organizations/create-organization.ts'
import { setMonthlyBudget } from '../../commands/organizations/set-monthly-budget.ts'
import { AppError } from '../../domain/errors.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { findOrganization } from '../../projections/organizations/organizations.ts'
import { requireAdminToken } from '../http/bearer.ts'
import { useErrorFormat } from '../http/errors/reply.ts'
import { type ReadinessCheck, statusRoutes } from '../http/readiness.ts'
import { nameText } from '../http/text.ts'

export interface AdminDeps {
  commands: CommandDeps
  readModels: Sql
  adminToken: string
  /** Resolves once the read models include the given global position (read-your-writes). */
  awaitProjection: (position: bigint) => Promise<void>
  readiness: readonly ReadinessCheck[]
}

const name = nameText(200, { trim: true })
/**
 * The largest monthly budget: the ledger counts nano-USD in safe integers (2^53 ≈ 9.007e15), so
 * $9M a month is the most it holds exactly. docs/errors.md states the bound.
 */
export const MAX_MONTHLY_LIMIT_USD = 9_000_000
const organization = z.object({
  id: z.uuid(),
  object: z.literal('organization'),
  name: z.string(),
  created_at: z.string(),
  monthly_limit_usd: z.number().nullable(),
})
const budget = z.object({
  object: z.literal('budget'),
  organization_id: z.uuid(),
  period: z.literal('monthly'),
  monthly_limit_usd: z.number().nullable(),
})
const budgetBody = z
  .object({
    /** USD per calendar month (UTC); null removes the budget. */
    monthly_limit_usd: z.number().nonnegative().max(MAX_MONTHLY_LIMIT_USD).nullable(),
  })
  .strict()
const apiKey = z.object({
  id: z.uuid(),
  object: z.literal('api_key'),
  organization_id: z.uuid(),
  name: z.string(),
  key: z.string(),
  key_prefix: z.string(),
  created_at: z.string(),
})

const contextOf = (requestId: string): CommandContext => ({
  actor: 'platform-admin',
  correlation_id: requestId,
  causation_id: null,
  source: 'admin-api',
})

/** The identity admin API: commands in, read models out. Mounted at /admin/v1. */
export const adminRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  useErrorFormat(app, 'problem')
  statusRoutes(app, deps.readiness)

  await app.register(async (scope) => {
    const secured = scope.withTypeProvider<ZodTypeProvider>()
    secured.addHook('onRequest', requireAdminToken(deps.adminToken))

    secured.post(
      '/organizations',
      { schema: { body: z.object({ name }).strict(), response: { 201: organization } } },
      async (request, reply) => {
        const created = await createOrganization(deps.commands, request.body, contextOf(request.id))
        await deps.awaitProjection(created.position)
        reply.code(201)
        return {
          id: created.organization_id,
          object: 'organization' as const,
          name: created.name,
          created_at: created.created_at,
          monthly_limit_usd: null,
        }
      },
    )

    secured.get(
      '/organizations/:organization_id',
      { schema: { params: z.object({ organization_id: z.uuid() }), response: { 200: organization } } },
      async (request) => {
        const found = await findOrganization(deps.readModels, request.params.organization_id)
        if (!found) throw new AppError('ORG_NOT_FOUND', 'no such organization', request.params)
        return { ...found, object: 'organization' as const }
      },
    )

    secured.put(
      '/organizations/:organization_id/budget',
      {
        schema: {
          params: z.object({ organization_id: z.uuid() }),
          body: budgetBody,
          response: { 200: budget },
        },
      },
      async (request) => {
        const input = { ...request.params, ...request.body }
        const set = await setMonthlyBudget(deps.commands, input, contextOf(request.id))
        if (set.position !== null) await deps.awaitProjection(set.position)
        return { object: 'budget' as const, period: 'monthly' as const, ...input }
      },
    )

    secured.post(
      '/api-keys',
      { schema: { body: z.object({ organization_id: z.uuid(), name }).strict(), response: { 201: apiKey } } },
      async (request, reply) => {
        const issued = await issueApiKey(deps.commands, request.body, contextOf(request.id))
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
  })
}
