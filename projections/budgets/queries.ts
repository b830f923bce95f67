import type { ReconciledBudget } from '../../commands/budgets/reconcile.ts'
import type { WatchedBudget } from '../../commands/budgets/threshold-watch.ts'
import { usdOf } from '../../domain/budgets/amounts.ts'
import type { BudgetScope, Crossings, Enforcement, StatedTerms } from '../../domain/budgets/budget.ts'
import type { BudgetPeriod } from '../../domain/budgets/period.ts'
import type { Sql } from '../../infra/ports/database.ts'

// What the admin API shows of a budget, read from rm_budgets.
export type BudgetView = { id: string } & BudgetScope &
  StatedTerms & {
    created_at: string
    updated_at: string
    /** The thresholds already alerted (BudgetThresholdCrossed) in the latest period that had one. */
    alerted: Crossings | null
    /** Stream version of its last event (the ETag); -1: a legacy budget with no stream yet. */
    version: number
  }

type Row = {
  budget_id: string
  organization_id: string
  api_key_id: string | null
  limit_micros: string | number
  period: BudgetPeriod
  enforcement: Enforcement
  alert_thresholds: number[]
  created_at: Date
  updated_at: Date
  crossed_period: string | null
  crossed_thresholds: number[]
  version: number
}

const COLUMNS = `budget_id, organization_id, api_key_id, limit_micros, period, enforcement, alert_thresholds,
  created_at, updated_at, crossed_period, crossed_thresholds, version`

function toView(row: Row): BudgetView {
  const { budget_id, limit_micros, created_at, updated_at, alert_thresholds, ...rest } = row
  const { crossed_period, crossed_thresholds, ...fields } = rest
  const alerted =
    crossed_period === null
      ? null
      : { period_start: crossed_period, thresholds: crossed_thresholds.map(Number) }
  return {
    ...fields,
    alerted,
    id: budget_id,
    limit_usd: usdOf(Number(limit_micros)),
    alert_thresholds: alert_thresholds.map(Number),
    created_at: created_at.toISOString(),
    updated_at: updated_at.toISOString(),
  }
}

export async function findBudget(db: Sql, budgetId: string): Promise<BudgetView | null> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM rm_budgets WHERE budget_id = $1`, [budgetId])
  const row = rows[0]
  return row ? toView(row) : null
}

export type ListedBudget = BudgetView & { created_position: bigint }

/** One page of an organization's budgets in commit order (see gateways/http/pagination.ts). */
export async function listBudgets(
  db: Sql,
  query: { organization_id: string; api_key_id?: string | undefined; after: bigint | null; limit: number },
): Promise<ListedBudget[]> {
  const { rows } = await db.query<Row & { created_position: string | number | bigint }>(
    `SELECT ${COLUMNS}, created_position FROM rm_budgets
      WHERE organization_id = $1 AND ($2::bigint IS NULL OR created_position > $2::bigint)
        AND ($4::uuid IS NULL OR api_key_id = $4::uuid)
      ORDER BY created_position LIMIT $3`,
    [query.organization_id, query.after, query.limit, query.api_key_id ?? null],
  )
  return rows.map(({ created_position, ...row }) => ({
    ...toView(row),
    created_position: BigInt(created_position),
  }))
}

/** Every budget with at least one alert threshold; the timezone read through to_jsonb (see key-lookup). */
export async function watchedBudgets(db: Sql): Promise<WatchedBudget[]> {
  const { rows } = await db.query<WatchedBudget & { limit_micros: string | number; timezone: string | null }>(
    `SELECT b.budget_id, b.organization_id, b.api_key_id, b.period, b.limit_micros, b.alert_thresholds,
            COALESCE(to_jsonb(o) ->> 'timezone', 'UTC') AS timezone, b.crossed_period, b.crossed_thresholds
       FROM rm_budgets b JOIN rm_organizations o USING (organization_id)
      WHERE cardinality(b.alert_thresholds) > 0
      ORDER BY b.created_position`,
  )
  return rows.map((row) => ({
    ...row,
    limit_micros: Number(row.limit_micros),
    alert_thresholds: row.alert_thresholds.map(Number),
    crossed_thresholds: row.crossed_thresholds.map(Number),
    timezone: row.timezone ?? 'UTC',
  }))
}

/** Every budget with its organization's time zone: what reconciliation reads each pass. */
export async function reconciledBudgets(db: Sql): Promise<ReconciledBudget[]> {
  const { rows } = await db.query<{
    budget_id: string
    organization_id: string
    api_key_id: string | null
    period: BudgetPeriod
    timezone: string | null
  }>(
    `SELECT b.budget_id, b.organization_id, b.api_key_id, b.period,
            COALESCE(to_jsonb(o) ->> 'timezone', 'UTC') AS timezone
       FROM rm_budgets b JOIN rm_organizations o USING (organization_id)
      ORDER BY b.created_position`,
  )
  return rows.map((row) => ({ ...row, timezone: row.timezone ?? 'UTC' }))
}

/** A budget as the spend report shows it: its terms and its organization's time zone. */
export type SpendBudget = ReconciledBudget & { enforcement: Enforcement; limit_micros: number }

/** Every budget of one organization, in creation order (GET /analytics/v1/spend). */
export async function organizationBudgets(db: Sql, organization_id: string): Promise<SpendBudget[]> {
  const { rows } = await db.query<{
    budget_id: string
    organization_id: string
    api_key_id: string | null
    period: BudgetPeriod
    enforcement: Enforcement
    limit_micros: string | number
    timezone: string | null
  }>(
    `SELECT b.budget_id, b.organization_id, b.api_key_id, b.period, b.enforcement, b.limit_micros,
            COALESCE(to_jsonb(o) ->> 'timezone', 'UTC') AS timezone
       FROM rm_budgets b JOIN rm_organizations o USING (organization_id)
      WHERE b.organization_id = $1
      ORDER BY b.created_position`,
    [organization_id],
  )
  return rows.map((row) => ({
    ...row,
    limit_micros: Number(row.limit_micros),
    timezone: row.timezone ?? 'UTC',
  }))
}
