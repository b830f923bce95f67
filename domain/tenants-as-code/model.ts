// The two sides a plan compares, as flat lists of resources keyed by aggregate id: what git
// declares (desired.ts) and what the event store holds (commands/reconcile/actual.ts).
import type { Enforcement } from '../budgets/budget.ts'
import type { BudgetPeriod } from '../budgets/period.ts'

export type ResourceKind = 'organization' | 'api_key' | 'budget'

/** Where a resource is declared, for messages: `organization.acme.api_key.web.budget.monthly`. */
interface Declared {
  id: string
  address: string
}

export interface DesiredOrganization extends Declared {
  kind: 'organization'
  display_name: string
}

export interface DesiredApiKey extends Declared {
  kind: 'api_key'
  organization_id: string
  name: string
}

export interface BudgetTermsInGit {
  limit_micros: number
  enforcement: Enforcement
  alert_thresholds: number[]
}

export interface DesiredBudget extends Declared, BudgetTermsInGit {
  kind: 'budget'
  organization_id: string
  api_key_id: string | null
  period: BudgetPeriod
}

export type DesiredResource = DesiredOrganization | DesiredApiKey | DesiredBudget

export interface Desired {
  prune: boolean
  resources: DesiredResource[]
}

/** Who wrote a resource, from its events' metadata. */
export interface Provenance {
  /** Some event of the resource came from git: the reconciler owns it (prune, drift). */
  managed: boolean
  /** `source` of the last event that changed what git declares (null: none). */
  last_source: string | null
}

export interface ActualOrganization extends Provenance {
  kind: 'organization'
  id: string
  status: 'Active' | 'Suspended' | 'Closed'
  display_name: string
}

export interface ActualApiKey extends Provenance {
  kind: 'api_key'
  id: string
  status: 'Active' | 'Revoked'
  organization_id: string
  name: string
}

export interface ActualBudget extends Provenance, BudgetTermsInGit {
  kind: 'budget'
  id: string
  status: 'Active' | 'Deleted'
  organization_id: string
  api_key_id: string | null
  period: BudgetPeriod
}

export type ActualResource = ActualOrganization | ActualApiKey | ActualBudget

export const GIT_SOURCE = 'git'
