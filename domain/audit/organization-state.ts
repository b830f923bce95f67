// An organization as it was at an instant, folded from the log's events recorded up to it
// (docs/audit.md, "State at an instant"). Pure: the caller reads the events (the organization's
// own streams, its members' user streams, the model catalogue) and hands them over in log order;
// each stream is folded with its aggregate's own decider (schema and evolve), the ones the
// commands decide with, so this view cannot drift from what the commands saw. Secrets and their
// hashes (key hashes, client secret hashes, sealed provider keys) are left out.
import { apiKeyDecider } from '../api-keys/decider.ts'
import { usdOf } from '../budgets/amounts.ts'
import { budgetDecider } from '../budgets/decider.ts'
import type { Decider, DomainEvent } from '../decider.ts'
import { modelDecider } from '../models/decider.ts'
import { organizationDecider } from '../organizations/decider.ts'
import type { ExistingOrganization } from '../organizations/organization.ts'
import type { OrganizationSettings } from '../organizations/settings.ts'
import { serviceAccountDecider } from '../service-accounts/decider.ts'
import { userDecider } from '../users/decider.ts'
import type { OrganizationRole } from '../users/user.ts'

/** Statuses in the admin API's words (lower case), as its other answers give them. */
const ORGANIZATION_STATUS = { Active: 'active', Suspended: 'suspended', Closed: 'closed' } as const
const USER_STATUS = { Active: 'active', Invited: 'invited', Disabled: 'disabled' } as const
const REVOCABLE_STATUS = { Active: 'active', Revoked: 'revoked' } as const

/** An event of the log as the fold needs it. */
export interface LoggedEvent {
  stream: string
  type: string
  data: Record<string, unknown>
}

export interface MemberView {
  user_id: string
  email: string
  display_name: string
  status: 'active' | 'invited' | 'disabled'
  roles: OrganizationRole[]
}

export interface ApiKeyView {
  api_key_id: string
  name: string
  key_prefix: string
  status: 'active' | 'revoked'
  revoked_at: string | null
}

export interface BudgetView {
  budget_id: string
  api_key_id: string | null
  period: string
  limit_usd: string
  enforcement: string
  alert_thresholds: number[]
}

export interface ServiceAccountView {
  service_account_id: string
  name: string
  client_id: string
  roles: OrganizationRole[]
  status: 'active' | 'revoked'
  revoked_at: string | null
}

export interface ModelView {
  name: string
  aliases: string[]
  input_price_per_million_usd: string
  output_price_per_million_usd: string
  max_output_tokens: number
}

/** Who holds which roles in the organization: `user:<id>` or `service-account:<id>`. */
export interface RoleBinding {
  subject: string
  roles: OrganizationRole[]
}

export interface OrganizationView {
  organization_id: string
  name: string
  status: 'active' | 'suspended' | 'closed'
  created_at: string
  settings: OrganizationSettings
  monthly_limit_usd: number | null
  suspended_reason: string | null
  suspended_at: string | null
  closed_at: string | null
}

export interface OrganizationState {
  organization: OrganizationView
  users: MemberView[]
  api_keys: ApiKeyView[]
  /** The budgets in force: a deleted one is not shown. */
  budgets: BudgetView[]
  service_accounts: ServiceAccountView[]
  role_bindings: RoleBinding[]
  /** The model catalogue as it was (the organization's own allow-list is in organization.settings). */
  models: ModelView[]
}

/** Folds every stream whose name starts with `prefix` with its decider, by stream. */
function fold<C, E extends DomainEvent, S>(
  decider: Decider<C, E, S>,
  prefix: string,
  events: readonly LoggedEvent[],
): S[] {
  const states = new Map<string, S>()
  for (const logged of events) {
    if (!logged.stream.startsWith(prefix)) continue
    const event = decider.eventSchema.parse({ type: logged.type, data: logged.data })
    states.set(logged.stream, decider.evolve(states.get(logged.stream) ?? decider.initialState, event))
  }
  return [...states.values()]
}

function members(organization_id: string, events: readonly LoggedEvent[]): MemberView[] {
  return fold(userDecider, 'user-', events).flatMap((user) => {
    const roles = user.status === 'Absent' ? undefined : user.memberships[organization_id]
    if (user.status === 'Absent' || roles === undefined) return []
    const { user_id, email, display_name } = user
    return [{ user_id, email, display_name, status: USER_STATUS[user.status], roles: [...roles] }]
  })
}

function apiKeys(organization_id: string, events: readonly LoggedEvent[]): ApiKeyView[] {
  return fold(apiKeyDecider, 'api_key-', events).flatMap((key) => {
    if (key.status === 'Absent' || key.organization_id !== organization_id) return []
    const { api_key_id, name, key_prefix } = key
    const revoked_at = key.status === 'Revoked' ? key.revoked_at : null
    return [{ api_key_id, name, key_prefix, status: REVOCABLE_STATUS[key.status], revoked_at }]
  })
}

function budgets(organization_id: string, events: readonly LoggedEvent[]): BudgetView[] {
  return fold(budgetDecider, 'budget-', events).flatMap((budget) => {
    if (budget.status !== 'Active' || budget.organization_id !== organization_id) return []
    const { budget_id, api_key_id, period, limit_micros, enforcement, alert_thresholds } = budget
    return [{ budget_id, api_key_id, period, limit_usd: usdOf(limit_micros), enforcement, alert_thresholds }]
  })
}

function serviceAccounts(organization_id: string, events: readonly LoggedEvent[]): ServiceAccountView[] {
  return fold(serviceAccountDecider, 'service_account-', events).flatMap((account) => {
    if (account.status === 'Absent' || account.organization_id !== organization_id) return []
    const { service_account_id, name, client_id, roles } = account
    const revoked_at = account.status === 'Revoked' ? account.revoked_at : null
    const status = REVOCABLE_STATUS[account.status]
    return [{ service_account_id, name, client_id, roles: [...roles], status, revoked_at }]
  })
}

function models(events: readonly LoggedEvent[]): ModelView[] {
  return fold(modelDecider, 'model-', events).flatMap((model) => {
    if (model.status !== 'Active') return []
    const { name, aliases, input_price_per_million_usd, output_price_per_million_usd, max_output_tokens } =
      model.definition
    return [{ name, aliases, input_price_per_million_usd, output_price_per_million_usd, max_output_tokens }]
  })
}

function organizationView(organization: ExistingOrganization): OrganizationView {
  const { organization_id, name, created_at, settings, monthly_limit_usd } = organization
  return {
    organization_id,
    name,
    status: ORGANIZATION_STATUS[organization.status],
    created_at,
    settings,
    monthly_limit_usd,
    suspended_reason: organization.status === 'Suspended' ? organization.reason : null,
    suspended_at: organization.status === 'Suspended' ? organization.suspended_at : null,
    closed_at: organization.status === 'Closed' ? organization.closed_at : null,
  }
}

/** The organization at the instant the events end at; null when it did not exist yet. */
export function organizationStateAt(
  organization_id: string,
  events: readonly LoggedEvent[],
): OrganizationState | null {
  const [organization] = fold(organizationDecider, `organization-${organization_id}`, events)
  if (organization === undefined || organization.status === 'Absent') return null
  const users = members(organization_id, events)
  const accounts = serviceAccounts(organization_id, events)
  const role_bindings = [
    ...users.map((user) => ({ subject: `user:${user.user_id}`, roles: user.roles })),
    ...accounts
      .filter((account) => account.status === 'active')
      .map((account) => ({ subject: `service-account:${account.service_account_id}`, roles: account.roles })),
  ]
  return {
    organization: organizationView(organization),
    users,
    api_keys: apiKeys(organization_id, events),
    budgets: budgets(organization_id, events),
    service_accounts: accounts,
    role_bindings,
    models: models(events),
  }
}
