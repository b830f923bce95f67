import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { setMonthlyBudget } from '../../commands/organizations/set-monthly-budget.ts'
import { type AdminDeps, commandContext } from './context.ts'

/**
 * The largest monthly budget: the ledger counts nano-USD in safe integers (2^53 ≈ 9.007e15), so
 * $9M a month is the most it holds exactly. docs/errors.md states the bound.
 */
export const MAX_MONTHLY_LIMIT_USD = 9_000_000
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

/** PUT /organizations/{id}/budget: set or remove an organization's monthly budget. */
export const budgetRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  app.put(
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
      const set = await setMonthlyBudget(deps.commands, input, commandContext(request))
      if (set.position !== null) await deps.awaitProjection(set.position)
      return { object: 'budget' as const, period: 'monthly' as const, ...input }
    },
  )
}
