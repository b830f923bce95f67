import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { changeBudget, createBudget, deleteBudget } from '../../commands/budgets/budget-commands.ts'
import { setMonthlyBudget } from '../../commands/organizations/set-monthly-budget.ts'
import { budgetStream } from '../../domain/budgets/budget.ts'
import { AppError } from '../../domain/errors.ts'
import { type BudgetView, findBudget, listBudgets } from '../../projections/budgets/queries.ts'
import { pageInCommitOrder } from '../http/pagination.ts'
import {
  budget,
  budgetList,
  budgetParams,
  createBody,
  legacyBody,
  legacyBudget,
  listQuery,
  patchBody,
} from './budget-schemas.ts'
import { type AdminDeps, commandContext } from './context.ts'
import { created, requireIfMatch, setETag } from './preconditions.ts'

const shown = ({ version: _version, ...view }: Omit<BudgetView, 'version'> & { version?: number }) => ({
  ...view,
  object: 'budget' as const,
})

async function found(deps: AdminDeps, budget_id: string): Promise<BudgetView> {
  const view = await findBudget(deps.readModels, budget_id)
  if (!view) throw new AppError('BUDGET_NOT_FOUND', 'no such budget', { budget_id })
  return view
}

/** The ETag of a budget; none for a legacy one with no stream yet (its If-Match could not hold). */
function tag(reply: Parameters<typeof setETag>[0], view: BudgetView): void {
  if (view.version >= 0) setETag(reply, view.version)
}

/** /budgets: create, list, read, change and delete budgets; and the deprecated organization budget. */
export const budgetRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  const afterWrite = async (position: bigint | null) => {
    if (position !== null) await deps.awaitProjection(position)
  }

  app.post(
    '/budgets',
    { schema: { body: createBody, response: { 201: budget } } },
    async (request, reply) => {
      const written = await createBudget(deps.commands, request.body, commandContext(request))
      await afterWrite(written.position)
      const view = await found(deps, written.budget_id)
      created(reply, `${app.prefix}/budgets/${written.budget_id}`)
      tag(reply, view)
      return shown(view)
    },
  )

  app.get(
    '/budgets',
    { schema: { querystring: listQuery, response: { 200: budgetList } } },
    async (request) => {
      const { limit, cursor, ...filters } = request.query
      const page = await pageInCommitOrder({ limit, cursor }, (window) =>
        listBudgets(deps.readModels, { ...filters, ...window }),
      )
      return { ...page, data: page.data.map(shown) }
    },
  )

  app.get(
    '/budgets/:budget_id',
    { schema: { params: budgetParams, response: { 200: budget } } },
    async (request, reply) => {
      const view = await found(deps, request.params.budget_id)
      tag(reply, view)
      return shown(view)
    },
  )

  app.patch(
    '/budgets/:budget_id',
    { schema: { params: budgetParams, body: patchBody, response: { 200: budget } } },
    async (request, reply) => {
      const { budget_id } = request.params
      requireIfMatch(request, budgetStream(budget_id))
      // The row names the organization, which finds a legacy budget (commands/budgets); a deleted
      // budget has no row and its command answers BUDGET_DELETED.
      const organization_id = (await findBudget(deps.readModels, budget_id))?.organization_id
      const target = { budget_id, organization_id }
      const written = await changeBudget(deps.commands, target, request.body, commandContext(request))
      await afterWrite(written.position)
      const view = await found(deps, budget_id)
      tag(reply, view)
      return shown(view)
    },
  )

  app.delete(
    '/budgets/:budget_id',
    { schema: { params: budgetParams, response: { 204: z.null() } } },
    async (request, reply) => {
      const { budget_id } = request.params
      requireIfMatch(request, budgetStream(budget_id))
      const organization_id = (await findBudget(deps.readModels, budget_id))?.organization_id
      const written = await deleteBudget(
        deps.commands,
        { budget_id, organization_id },
        commandContext(request),
      )
      await afterWrite(written.position)
      return reply.code(204).send(null)
    },
  )

  // Deprecated (docs/admin-api.md): the organization's monthly hard budget, through the commands above.
  app.put(
    '/organizations/:organization_id/budget',
    {
      schema: {
        params: z.object({ organization_id: z.uuid() }),
        body: legacyBody,
        response: { 200: legacyBudget },
      },
    },
    async (request, reply) => {
      const input = { ...request.params, ...request.body }
      const set = await setMonthlyBudget(deps.commands, input, commandContext(request))
      await afterWrite(set.position)
      reply.header('deprecation', 'true').header('link', `<${app.prefix}/budgets>; rel="successor-version"`)
      return { id: set.budget_id, object: 'budget' as const, period: 'monthly' as const, ...input }
    },
  )
}
