import type { ApiKey } from '../api-keys/api-key.ts'
import { AppError } from '../errors.ts'
import type { Organization } from '../organizations/organization.ts'
import { canonicalThresholds, limitMicros } from './amounts.ts'
import type { ActiveBudget, Budget, BudgetEvent, BudgetScope, Enforcement, StatedTerms } from './budget.ts'

// Commands carry everything a decision needs (ids, time, the states of the organization and key
// a budget is for): the decider stays pure.
export interface CreateBudget {
  type: 'CreateBudget'
  data: { budget_id: string; now: string } & BudgetScope & StatedTerms
  organization: Organization
  /** The key's state when api_key_id is set, loaded by the command handler. */
  apiKey: ApiKey | null
}

export interface ChangeBudget {
  type: 'ChangeBudget'
  data: {
    budget_id: string
    limit_usd?: string | undefined
    enforcement?: Enforcement | undefined
    alert_thresholds?: number[] | undefined
    now: string
  }
}

export interface DeleteBudget {
  type: 'DeleteBudget'
  data: { budget_id: string; now: string }
}

export interface RecordThresholdCrossed {
  type: 'RecordThresholdCrossed'
  data: { budget_id: string; threshold: number; period_start: string; spent_micros: number; now: string }
}

export type BudgetCommand = CreateBudget | ChangeBudget | DeleteBudget | RecordThresholdCrossed

/** Whether `spent` has reached `threshold` of `limit` (a tolerance for fractions such as 0.1). */
export const thresholdReached = (threshold: number, limit_micros: number, spent_micros: number): boolean =>
  spent_micros >= threshold * limit_micros - 1e-6

function requireOrganization(organization: Organization, organization_id: string): void {
  if (organization.status === 'Absent')
    throw new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id })
  if (organization.status === 'Closed')
    throw new AppError('ORG_CLOSED', 'the organization is closed', { organization_id })
}

/** A key budget is for a key of the same organization that is not revoked. */
function requireKey(apiKey: ApiKey | null, api_key_id: string | null, organization_id: string): void {
  if (api_key_id === null) return
  if (apiKey === null || apiKey.status === 'Absent')
    throw new AppError('API_KEY_NOT_FOUND', 'no such API key', { api_key_id })
  if (apiKey.organization_id !== organization_id) {
    throw new AppError('BUDGET_KEY_NOT_IN_ORGANIZATION', 'the API key belongs to another organization', {
      api_key_id,
      organization_id,
    })
  }
  if (apiKey.status === 'Revoked')
    throw new AppError('API_KEY_ALREADY_REVOKED', 'the API key is revoked', { api_key_id })
}

function createBudget(command: CreateBudget, state: Budget): BudgetEvent[] {
  const { now, limit_usd, alert_thresholds, ...data } = command.data
  requireOrganization(command.organization, data.organization_id)
  requireKey(command.apiKey, data.api_key_id, data.organization_id)
  if (state.status === 'Active') {
    throw new AppError(
      'BUDGET_ALREADY_EXISTS',
      'this organization or key already has a budget for the period',
      {
        budget_id: state.budget_id,
        period: state.period,
      },
    )
  }
  const terms = {
    limit_micros: limitMicros(limit_usd),
    alert_thresholds: canonicalThresholds(alert_thresholds),
  }
  return [{ type: 'BudgetCreated', data: { ...data, ...terms, created_at: now } }]
}

/** The budget a change, a deletion or an alert is about: it exists and is not deleted. */
function active(state: Budget, budget_id: string): ActiveBudget {
  if (state.status === 'Absent') throw new AppError('BUDGET_NOT_FOUND', 'no such budget', { budget_id })
  if (state.status === 'Deleted') {
    throw new AppError('BUDGET_DELETED', 'the budget is deleted', { budget_id, deleted_at: state.deleted_at })
  }
  return state
}

const sameList = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((value, i) => value === b[i])

function changeBudget(command: ChangeBudget, state: Budget): BudgetEvent[] {
  const { budget_id, limit_usd, enforcement, alert_thresholds, now } = command.data
  const budget = active(state, budget_id)
  const limit = limit_usd === undefined ? undefined : limitMicros(limit_usd)
  const thresholds = alert_thresholds === undefined ? undefined : canonicalThresholds(alert_thresholds)
  // Only what differs is recorded; a PATCH that changes nothing (a retry) adds no event.
  const change = {
    ...(limit !== undefined && limit !== budget.limit_micros ? { limit_micros: limit } : {}),
    ...(enforcement !== undefined && enforcement !== budget.enforcement ? { enforcement } : {}),
    ...(thresholds && !sameList(thresholds, budget.alert_thresholds) ? { alert_thresholds: thresholds } : {}),
  }
  if (Object.keys(change).length === 0) return []
  const { organization_id } = budget
  return [{ type: 'BudgetChanged', data: { budget_id, organization_id, ...change, changed_at: now } }]
}

function deleteBudget(command: DeleteBudget, state: Budget): BudgetEvent[] {
  const { budget_id, now } = command.data
  const { organization_id } = active(state, budget_id)
  return [{ type: 'BudgetDeleted', data: { budget_id, organization_id, deleted_at: now } }]
}

/**
 * Once per threshold per period: a crossing already recorded for the period, or for a period
 * older than the latest recorded one, is a no-op (not a refusal), so two workers polling the
 * same counter both succeed and the stream holds one event.
 */
function recordCrossing(command: RecordThresholdCrossed, state: Budget): BudgetEvent[] {
  const { budget_id, threshold, period_start, spent_micros, now } = command.data
  const budget = active(state, budget_id)
  if (!budget.alert_thresholds.includes(threshold)) {
    throw new AppError('BUDGET_THRESHOLD_UNKNOWN', 'the budget has no such alert threshold', {
      budget_id,
      threshold,
    })
  }
  if (!thresholdReached(threshold, budget.limit_micros, spent_micros)) {
    throw new AppError('BUDGET_THRESHOLD_NOT_REACHED', 'the spend has not reached the threshold', {
      budget_id,
      threshold,
      spent_micros,
    })
  }
  const latest = budget.crossed
  const stale = latest !== null && period_start < latest.period_start
  const repeated = latest?.period_start === period_start && latest.thresholds.includes(threshold)
  if (stale || repeated) return []
  const { organization_id, limit_micros } = budget
  const data = {
    budget_id,
    organization_id,
    threshold,
    period_start,
    spent_micros,
    limit_micros,
    crossed_at: now,
  }
  return [{ type: 'BudgetThresholdCrossed', data }]
}

export function decide(command: BudgetCommand, state: Budget): BudgetEvent[] {
  switch (command.type) {
    case 'CreateBudget':
      return createBudget(command, state)
    case 'ChangeBudget':
      return changeBudget(command, state)
    case 'DeleteBudget':
      return deleteBudget(command, state)
    case 'RecordThresholdCrossed':
      return recordCrossing(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}
