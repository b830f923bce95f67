import { apiKeyStream } from '../../domain/api-keys/api-key.ts'
import { apiKeyDecider } from '../../domain/api-keys/decider.ts'
import { MICROS_PER_USD } from '../../domain/budgets/amounts.ts'
import { type Budget, budgetIdFor, budgetStream, type Enforcement } from '../../domain/budgets/budget.ts'
import type { BudgetCommand } from '../../domain/budgets/decide.ts'
import { budgetDecider } from '../../domain/budgets/decider.ts'
import { legacyBudget } from '../../domain/budgets/legacy.ts'
import type { BudgetPeriod } from '../../domain/budgets/period.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import { type Organization, organizationStream } from '../../domain/organizations/organization.ts'
import type { EventStore } from '../../infra/ports/event-store.ts'
import { type CommandContext, type CommandDeps, handleCommand, loadState } from '../handle-command.ts'

// The budget commands. Every one runs with the request's command context (actor, request id,
// source); the organization a budget belongs to is in its events' data.

export interface BudgetWritten {
  budget_id: string
  /** Global position of the last event written; null when the command changed nothing. */
  position: bigint | null
}

/**
 * The decider for one budget stream. The organization-wide monthly budget's stream starts from
 * the organization's legacy budget (OrganizationBudgetSet) when it had one; `organization_id` is
 * only a hint: it counts when the budget id is the one derived from it.
 */
async function deciderFor(deps: CommandDeps, budget_id: string, organization_id: string | undefined) {
  if (organization_id === undefined) return budgetDecider
  if (budget_id !== budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' }))
    return budgetDecider
  const organization = await loadState(deps.store, organizationStream(organization_id), organizationDecider)
  const initialState: Budget = legacyBudget(organization.state)
  return { ...budgetDecider, initialState }
}

async function run(
  deps: CommandDeps,
  budget_id: string,
  organization_id: string | undefined,
  command: BudgetCommand,
  context: CommandContext,
): Promise<BudgetWritten> {
  const decider = await deciderFor(deps, budget_id, organization_id)
  const { positions } = await handleCommand(deps, budgetStream(budget_id), decider, command, context)
  return { budget_id, position: positions.at(-1) ?? null }
}

export interface CreateBudgetInput {
  organization_id: string
  api_key_id?: string | null | undefined
  limit_usd: string
  period: BudgetPeriod
  enforcement: Enforcement
  alert_thresholds?: number[] | undefined
}

export async function createBudget(
  deps: CommandDeps,
  input: CreateBudgetInput,
  context: CommandContext,
): Promise<BudgetWritten> {
  const { organization_id, period } = input
  const api_key_id = input.api_key_id ?? null
  const budget_id = budgetIdFor({ organization_id, api_key_id, period })
  const organization = await loadState(deps.store, organizationStream(organization_id), organizationDecider)
  const apiKey = api_key_id
    ? (await loadState(deps.store, apiKeyStream(api_key_id), apiKeyDecider)).state
    : null
  const data = {
    ...input,
    budget_id,
    api_key_id,
    alert_thresholds: input.alert_thresholds ?? [],
    now: deps.now().toISOString(),
  }
  const command = { type: 'CreateBudget' as const, data, organization: organization.state, apiKey }
  return run(deps, budget_id, organization_id, command, context)
}

export interface BudgetChange {
  limit_usd?: string | undefined
  enforcement?: Enforcement | undefined
  alert_thresholds?: number[] | undefined
}

/** `organization_id`: the budget's organization when known (finds a legacy budget, see deciderFor). */
export async function changeBudget(
  deps: CommandDeps,
  target: { budget_id: string; organization_id?: string | undefined },
  change: BudgetChange,
  context: CommandContext,
): Promise<BudgetWritten> {
  const data = { budget_id: target.budget_id, ...change, now: deps.now().toISOString() }
  return run(deps, target.budget_id, target.organization_id, { type: 'ChangeBudget', data }, context)
}

export async function deleteBudget(
  deps: CommandDeps,
  target: { budget_id: string; organization_id?: string | undefined },
  context: CommandContext,
): Promise<BudgetWritten> {
  const data = { budget_id: target.budget_id, now: deps.now().toISOString() }
  return run(deps, target.budget_id, target.organization_id, { type: 'DeleteBudget', data }, context)
}

export interface Crossing {
  budget_id: string
  organization_id: string
  threshold: number
  period_start: string
  spent_micros: number
}

/** Records that a budget's spend reached a threshold in a period; a repeat records nothing. */
export async function recordThresholdCrossed(
  deps: CommandDeps,
  crossing: Crossing,
  context: CommandContext,
): Promise<BudgetWritten> {
  const { organization_id, ...fields } = crossing
  const data = { ...fields, now: deps.now().toISOString() }
  return run(deps, crossing.budget_id, organization_id, { type: 'RecordThresholdCrossed', data }, context)
}

/**
 * The organization's monthly hard budget in USD (null: none), from the event store: what the
 * organization's deprecated `monthly_limit_usd` shows in answers built from its stream.
 */
export async function organizationMonthlyLimitUsd(store: EventStore, organization: Organization) {
  if (organization.status === 'Absent') return null
  const { organization_id } = organization
  const budget_id = budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })
  const decider = { ...budgetDecider, initialState: legacyBudget(organization) }
  const { state } = await loadState(store, budgetStream(budget_id), decider)
  return state.status === 'Active' && state.enforcement === 'hard'
    ? state.limit_micros / MICROS_PER_USD
    : null
}
