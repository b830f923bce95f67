import type { BudgetEvent } from '../../domain/budgets/budget.ts'
import { budgetIdFor } from '../../domain/budgets/budget.ts'
import { legacyMicros } from '../../domain/budgets/legacy.ts'
import type { OrganizationEvent } from '../../domain/organizations/organization.ts'
import type { Sql } from '../../infra/ports/database.ts'

// Read model: one row per budget (infra/migrations/0150, 0151). Every write is guarded by position,
// so a replayed older event never overwrites a newer row. Queries are in ./queries.ts.

export interface EventPlace {
  position: bigint
  version: number
}

const CREATE = `
  INSERT INTO rm_budgets (budget_id, organization_id, api_key_id, limit_micros, period, enforcement,
                          alert_thresholds, created_at, updated_at, version, position, created_position)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $10)
  ON CONFLICT (budget_id) DO UPDATE SET
    limit_micros = EXCLUDED.limit_micros, enforcement = EXCLUDED.enforcement,
    alert_thresholds = EXCLUDED.alert_thresholds, crossed_period = NULL, crossed_thresholds = '{}',
    created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version,
    position = EXCLUDED.position, created_position = EXCLUDED.created_position
  WHERE rm_budgets.position < EXCLUDED.position`

const CHANGE = `
  UPDATE rm_budgets SET limit_micros = COALESCE($2, limit_micros), enforcement = COALESCE($3, enforcement),
         alert_thresholds = COALESCE($4, alert_thresholds), updated_at = $5, version = $6, position = $7
   WHERE budget_id = $1 AND position < $7`

const CROSSED = `
  UPDATE rm_budgets SET
    crossed_thresholds = CASE WHEN crossed_period = $2 THEN array_append(crossed_thresholds, $3::double precision)
                              ELSE ARRAY[$3::double precision] END,
    crossed_period = $2, version = $4, position = $5
   WHERE budget_id = $1 AND position < $5`

export async function projectBudget(event: BudgetEvent, at: EventPlace, tx: Sql): Promise<void> {
  switch (event.type) {
    case 'BudgetCreated': {
      const d = event.data
      const values = [d.budget_id, d.organization_id, d.api_key_id, d.limit_micros, d.period, d.enforcement]
      await tx.query(CREATE, [...values, d.alert_thresholds, d.created_at, at.version, at.position])
      return
    }
    case 'BudgetChanged': {
      const d = event.data
      const change = [d.limit_micros ?? null, d.enforcement ?? null, d.alert_thresholds ?? null]
      await tx.query(CHANGE, [d.budget_id, ...change, d.changed_at, at.version, at.position])
      return
    }
    case 'BudgetDeleted':
      await tx.query('DELETE FROM rm_budgets WHERE budget_id = $1 AND position < $2', [
        event.data.budget_id,
        at.position,
      ])
      return
    case 'BudgetThresholdCrossed': {
      const { budget_id, period_start, threshold } = event.data
      await tx.query(CROSSED, [budget_id, period_start, threshold, at.version, at.position])
      return
    }
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

const LEGACY = `
  INSERT INTO rm_budgets (budget_id, organization_id, api_key_id, limit_micros, period, enforcement,
                          alert_thresholds, created_at, updated_at, version, position, created_position)
  VALUES ($1, $2, NULL, $3, 'monthly', 'hard', '{}', $4, $4, -1, $5, $5)
  ON CONFLICT (budget_id) DO UPDATE SET limit_micros = EXCLUDED.limit_micros,
    updated_at = EXCLUDED.updated_at, position = EXCLUDED.position
  WHERE rm_budgets.version < 0 AND rm_budgets.position < EXCLUDED.position`

/**
 * An OrganizationBudgetSet of a log written before budgets had streams: the organization's
 * monthly hard budget (null: none). Once the budget has a stream (version >= 0), the stream rules.
 */
export async function projectLegacyBudget(
  event: Extract<OrganizationEvent, { type: 'OrganizationBudgetSet' }>,
  position: bigint,
  tx: Sql,
): Promise<void> {
  const { organization_id, monthly_limit_usd, set_at } = event.data
  const budget_id = budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })
  if (monthly_limit_usd === null) {
    await tx.query('DELETE FROM rm_budgets WHERE budget_id = $1 AND version < 0 AND position < $2', [
      budget_id,
      position,
    ])
    return
  }
  await tx.query(LEGACY, [budget_id, organization_id, legacyMicros(monthly_limit_usd), set_at, position])
}
