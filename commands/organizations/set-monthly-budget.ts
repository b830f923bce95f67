import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'

export interface BudgetSet {
  organization_id: string
  monthly_limit_usd: number | null
  /** Global position of the event written; null when the budget was already that. */
  position: bigint | null
}

export async function setMonthlyBudget(
  deps: CommandDeps,
  input: { organization_id: string; monthly_limit_usd: number | null },
  context: CommandContext,
): Promise<BudgetSet> {
  const { positions } = await handleCommand(
    deps,
    organizationStream(input.organization_id),
    organizationDecider,
    { type: 'SetMonthlyBudget', data: { ...input, now: deps.now().toISOString() } },
    context,
  )
  return { ...input, position: positions.at(-1) ?? null }
}
