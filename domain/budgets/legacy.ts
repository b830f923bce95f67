import type { Organization } from '../organizations/organization.ts'
import { MICROS_PER_USD } from './amounts.ts'
import { type Budget, budgetIdFor } from './budget.ts'

// Before budgets had their own streams, an organization's monthly budget was an event of the
// organization (OrganizationBudgetSet). Logs that hold one keep it: the stream of the
// organization's monthly budget starts from it instead of from nothing, so it can be read,
// changed and deleted like any budget (docs/events.md#organizationbudgetset-v1-no-longer-written).

/** The budget state an organization's legacy monthly budget stands for; Absent when it has none. */
export function legacyBudget(organization: Organization): Budget {
  if (organization.status === 'Absent' || organization.monthly_limit_usd === null) return { status: 'Absent' }
  const { organization_id } = organization
  const scope = { organization_id, api_key_id: null, period: 'monthly' as const }
  return {
    status: 'Active',
    budget_id: budgetIdFor(scope),
    ...scope,
    limit_micros: legacyMicros(organization.monthly_limit_usd),
    enforcement: 'hard',
    alert_thresholds: [],
    crossed: null,
  }
}

/** A legacy limit (a JSON number of USD) in micro-USD, rounded to the micro-dollar. */
export const legacyMicros = (usd: number): number => Math.round(usd * MICROS_PER_USD)
