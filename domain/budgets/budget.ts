// The budget aggregate: a spending limit of an organization, or of one of its keys, per period.
// One stream per budget (`budget-<id>`). Event data is snake_case and stored as-is
// (docs/events.md); the schemas parse events read back from the store, never a cast.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { BUDGET_PERIODS, type BudgetPeriod } from './period.ts'

export const ENFORCEMENTS = ['hard', 'soft'] as const
export type Enforcement = (typeof ENFORCEMENTS)[number]

const ids = { budget_id: z.string(), organization_id: z.string() }
const micros = z.number().int().nonnegative()
const thresholds = z.array(z.number())

export const budgetEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('BudgetCreated'),
    data: z.object({
      ...ids,
      /** null: the whole organization's spend counts. */
      api_key_id: z.string().nullable(),
      limit_micros: micros,
      period: z.enum(BUDGET_PERIODS),
      enforcement: z.enum(ENFORCEMENTS),
      alert_thresholds: thresholds,
      created_at: z.string(),
    }),
  }),
  z.object({
    type: z.literal('BudgetChanged'),
    // Only the fields that changed; the budget's scope (organization, key, period) never changes.
    data: z.object({
      ...ids,
      limit_micros: micros.optional(),
      enforcement: z.enum(ENFORCEMENTS).optional(),
      alert_thresholds: thresholds.optional(),
      changed_at: z.string(),
    }),
  }),
  z.object({
    type: z.literal('BudgetDeleted'),
    data: z.object({ ...ids, deleted_at: z.string() }),
  }),
  z.object({
    type: z.literal('BudgetThresholdCrossed'),
    data: z.object({
      ...ids,
      threshold: z.number(),
      /** ISO date the period started on, in the organization's time zone; `total` for total budgets. */
      period_start: z.string(),
      spent_micros: micros,
      limit_micros: micros,
      crossed_at: z.string(),
    }),
  }),
])

export type BudgetEvent = z.infer<typeof budgetEventSchema>

export interface BudgetScope {
  organization_id: string
  api_key_id: string | null
  period: BudgetPeriod
}

export interface BudgetTerms {
  limit_micros: number
  enforcement: Enforcement
  alert_thresholds: number[]
}

/** A budget's terms as an admin states them (the limit a decimal string of USD, e.g. "25.00"). */
export interface StatedTerms {
  limit_usd: string
  enforcement: Enforcement
  alert_thresholds: number[]
}

/** The thresholds already alerted in the latest period an alert was recorded for. */
export interface Crossings {
  period_start: string
  thresholds: number[]
}

export type Budget =
  | { status: 'Absent' }
  | ({ status: 'Active'; budget_id: string; crossed: Crossings | null } & BudgetScope & BudgetTerms)
  | ({ status: 'Deleted'; budget_id: string; deleted_at: string } & BudgetScope)

export type ActiveBudget = Extract<Budget, { status: 'Active' }>

export const initialState: Budget = { status: 'Absent' }

function crossed(state: ActiveBudget, period_start: string, threshold: number): Crossings {
  const same = state.crossed?.period_start === period_start
  const before = same ? (state.crossed?.thresholds ?? []) : []
  return { period_start, thresholds: [...before, threshold] }
}

export function evolve(state: Budget, event: BudgetEvent): Budget {
  switch (event.type) {
    case 'BudgetCreated': {
      const { created_at: _at, ...fields } = event.data
      return { status: 'Active', ...fields, crossed: null }
    }
    case 'BudgetChanged': {
      if (state.status !== 'Active') return state
      const { limit_micros, enforcement, alert_thresholds } = event.data
      return {
        ...state,
        limit_micros: limit_micros ?? state.limit_micros,
        enforcement: enforcement ?? state.enforcement,
        alert_thresholds: alert_thresholds ?? state.alert_thresholds,
      }
    }
    case 'BudgetDeleted': {
      if (state.status !== 'Active') return state
      const { budget_id, organization_id, api_key_id, period } = state
      return {
        status: 'Deleted',
        budget_id,
        organization_id,
        api_key_id,
        period,
        deleted_at: event.data.deleted_at,
      }
    }
    case 'BudgetThresholdCrossed': {
      if (state.status !== 'Active') return state
      return { ...state, crossed: crossed(state, event.data.period_start, event.data.threshold) }
    }
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export const budgetStream = (budgetId: string): string => `budget-${budgetId}`

/**
 * A budget's id derives from its scope (organization, key or none, period): "at most one budget
 * per scope" is then the event store's own rule (one stream, appends checked by version), with no
 * cross-stream reservation. Deleting and creating again reuses the id and the stream
 * (docs/adr/0006-budget-ledger.md). A UUID of version 8 (RFC 9562, custom) from SHA-256.
 */
export function budgetIdFor(scope: BudgetScope): string {
  const seed = `${scope.organization_id}\u0000${scope.api_key_id ?? ''}\u0000${scope.period}`
  const bytes = createHash('sha256').update(seed).digest().subarray(0, 16)
  bytes[6] = 0x80 | ((bytes[6] ?? 0) & 0x0f)
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
