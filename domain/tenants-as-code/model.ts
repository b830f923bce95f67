// The two sides a plan compares, as flat lists of resources keyed by aggregate id: what git
// declares (desired.ts) and what the event store holds (commands/reconcile/actual.ts).
import type { Enforcement } from '../budgets/budget.ts'
import type { BudgetPeriod } from '../budgets/period.ts'
import type { OrganizationRole } from '../users/user.ts'

export type ResourceKind = 'model' | 'organization' | 'user' | 'api_key' | 'membership' | 'budget'

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

/** A user git needs; users are platform-wide and never deleted by git (memberships are). */
export interface DesiredUser extends Declared {
  kind: 'user'
  email: string
  /** Only when git creates the user. */
  display_name: string
}

export interface DesiredMembership extends Declared {
  kind: 'membership'
  user_id: string
  organization_id: string
  roles: OrganizationRole[]
}

/** A backend as compared: its API key by fingerprint (never the key), null when it has none. */
export interface ComparedBackend {
  url: string
  provider: string
  weight: number
  priority: number
  timeout_ms: number
  headers: Record<string, string>
  api_key: string | null
}

export interface ModelTerms {
  aliases: string[]
  input_price_per_million_usd: string
  output_price_per_million_usd: string
  max_output_tokens: number
  strategy: string
  rpm_limit: number | null
  tpm_limit: number | null
  backends: ComparedBackend[]
}

/** A model of the catalogue; its id is its name (the stream is `model-<name>`). */
export interface DesiredModel extends Declared, ModelTerms {
  kind: 'model'
  /** Where each backend's key is read from (same order as backends), for apply. */
  api_key_files: (string | null)[]
}

export type DesiredResource =
  | DesiredModel
  | DesiredOrganization
  | DesiredUser
  | DesiredApiKey
  | DesiredMembership
  | DesiredBudget

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

export interface ActualUser extends Provenance {
  kind: 'user'
  id: string
  status: 'Active' | 'Invited' | 'Disabled'
  email: string
}

export interface ActualMembership extends Provenance {
  kind: 'membership'
  id: string
  user_id: string
  organization_id: string
  roles: OrganizationRole[]
}

export interface ActualModel extends Provenance, ModelTerms {
  kind: 'model'
  id: string
}

export type ActualResource =
  | ActualModel
  | ActualOrganization
  | ActualUser
  | ActualApiKey
  | ActualMembership
  | ActualBudget

/** A membership's id: one per user and organization. */
export const membershipIdOf = (user_id: string, organization_id: string) => `${user_id}/${organization_id}`

export const GIT_SOURCE = 'git'
