import { budgetIdFor } from '../../domain/budgets/budget.ts'
import { AppError } from '../../domain/errors.ts'
import { changeBudget, createBudget, deleteBudget } from '../budgets/budget-commands.ts'
import type { CommandContext, CommandDeps } from '../handle-command.ts'

// The organization budget of before budgets were their own resource, kept as an alias
// (PUT /organizations/{id}/budget, deprecated): a number sets the organization's monthly hard
// budget (created or changed), null deletes it. It writes budget events only.

export interface BudgetSet {
  budget_id: string
  organization_id: string
  monthly_limit_usd: number | null
  /** Global position of the last event written; null when the budget was already that. */
  position: bigint | null
}

const hasCode = (error: unknown, ...codes: string[]) =>
  error instanceof AppError && codes.includes(error.code)

async function setLimit(deps: CommandDeps, organization_id: string, usd: number, context: CommandContext) {
  // A limit with more than 6 decimals is rounded to the micro-dollar (the budgets' unit).
  const limit_usd = usd.toFixed(6)
  try {
    const input = { organization_id, limit_usd, period: 'monthly' as const, enforcement: 'hard' as const }
    return await createBudget(deps, input, context)
  } catch (error) {
    if (!hasCode(error, 'BUDGET_ALREADY_EXISTS')) throw error
    const budget_id = budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })
    return changeBudget(deps, { budget_id, organization_id }, { limit_usd, enforcement: 'hard' }, context)
  }
}

async function removeLimit(deps: CommandDeps, organization_id: string, context: CommandContext) {
  const budget_id = budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })
  try {
    return await deleteBudget(deps, { budget_id, organization_id }, context)
  } catch (error) {
    // Removing a budget the organization does not have changes nothing, as before.
    if (!hasCode(error, 'BUDGET_NOT_FOUND', 'BUDGET_DELETED')) throw error
    return { budget_id, position: null }
  }
}

export async function setMonthlyBudget(
  deps: CommandDeps,
  input: { organization_id: string; monthly_limit_usd: number | null },
  context: CommandContext,
): Promise<BudgetSet> {
  const { organization_id, monthly_limit_usd } = input
  const written =
    monthly_limit_usd === null
      ? await removeLimit(deps, organization_id, context)
      : await setLimit(deps, organization_id, monthly_limit_usd, context)
  return { ...input, ...written }
}
