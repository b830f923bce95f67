import { z } from 'zod'
import { MAX_LIMIT_USD, MAX_THRESHOLDS } from '../../domain/budgets/amounts.ts'
import { ENFORCEMENTS } from '../../domain/budgets/budget.ts'
import { BUDGET_PERIODS } from '../../domain/budgets/period.ts'
import { listOf, pageQuery } from '../http/pagination.ts'

// Wire shapes of /admin/v1/budgets. The limit is a decimal string ("25.00"): its format, sign and
// range are the domain's rule (422 BUDGET_LIMIT_INVALID), so a budget below zero is refused with
// a stable code rather than as a shape error; the edge bounds only its type and length.

const limitUsd = z
  .string()
  .min(1)
  .max(32)
  .describe('USD as a decimal string, at most 6 decimals, e.g. "25.00"')
const thresholds = z
  .array(z.number())
  .max(MAX_THRESHOLDS)
  .describe('fractions of the limit (0 < f <= 1) at which BudgetThresholdCrossed is recorded')

export const createBody = z
  .object({
    organization_id: z.uuid(),
    /** Null or absent: the whole organization's spend counts. */
    api_key_id: z.uuid().nullable().optional(),
    limit_usd: limitUsd,
    period: z.enum(BUDGET_PERIODS),
    enforcement: z.enum(ENFORCEMENTS),
    alert_thresholds: thresholds.optional(),
  })
  .strict()

export const patchBody = z
  .object({
    limit_usd: limitUsd.optional(),
    enforcement: z.enum(ENFORCEMENTS).optional(),
    alert_thresholds: thresholds.optional(),
  })
  .strict()

export const budgetParams = z.object({ budget_id: z.uuid() })

export const listQuery = z
  .object({ organization_id: z.uuid(), api_key_id: z.uuid().optional(), ...pageQuery })
  .strict()

export const budget = z.object({
  id: z.uuid(),
  object: z.literal('budget'),
  organization_id: z.uuid(),
  api_key_id: z.uuid().nullable(),
  limit_usd: z.string(),
  period: z.enum(BUDGET_PERIODS),
  enforcement: z.enum(ENFORCEMENTS),
  alert_thresholds: z.array(z.number()),
  created_at: z.string(),
  updated_at: z.string(),
  /** The thresholds alerted in the latest period that had an alert; null before the first. */
  alerted: z.object({ period_start: z.string(), thresholds: z.array(z.number()) }).nullable(),
})

export const budgetList = listOf(budget)

/** The deprecated organization budget route's body and answer (PUT /organizations/{id}/budget). */
export const legacyBody = z
  .object({
    /** USD per month in the organization's time zone; null removes the budget. */
    monthly_limit_usd: z.number().nonnegative().max(MAX_LIMIT_USD).nullable(),
  })
  .strict()

export const legacyBudget = z.object({
  id: z.uuid(),
  object: z.literal('budget'),
  organization_id: z.uuid(),
  period: z.literal('monthly'),
  monthly_limit_usd: z.number().nullable(),
})
