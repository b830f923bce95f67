import { apiKeyDecider } from '../../domain/api-keys/decider.ts'
import { budgetDecider } from '../../domain/budgets/decider.ts'
import type { Decider, DomainEvent } from '../../domain/decider.ts'
import { modelDecider } from '../../domain/models/decider.ts'
import type { Backend } from '../../domain/models/model.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import { credentialFingerprint } from '../../domain/tenants-as-code/identity.ts'
import {
  type ActualResource,
  type Desired,
  GIT_SOURCE,
  membershipIdOf,
  type Provenance,
} from '../../domain/tenants-as-code/model.ts'
import { userDecider } from '../../domain/users/decider.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { EventStore } from '../../infra/ports/event-store.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { loadState } from '../handle-command.ts'

// What the platform holds for the resources git declares or manages, read from the event store
// (the aggregates the commands decide on), not from the read models: those follow the log a
// moment later, and a plan made on a lagging read model would issue the same command twice
// (ADR 0024). An organization's legacy budget (OrganizationBudgetSet) is not read: organizations
// git creates are new, and never had one.

/** The events that change what git declares; others (a key's rotation, a threshold alert) are not drift. */
const DECLARED_BY_GIT = new Set([
  'OrganizationCreated',
  'OrganizationRenamed',
  'OrganizationClosed',
  'ApiKeyIssued',
  'ApiKeyRevoked',
  'BudgetCreated',
  'BudgetChanged',
  'BudgetDeleted',
  'UserCreated',
  'UserInvited',
  'UserDisabled',
  'ModelCreated',
  'ModelUpdated',
  'ModelDeleted',
])

const MEMBERSHIP_EVENTS = new Set(['MembershipAdded', 'MembershipRolesChanged', 'MembershipRemoved'])

const KINDS = [
  ['organization', 'organization-'],
  ['api_key', 'api_key-'],
  ['budget', 'budget-'],
  ['user', 'user-'],
  ['model', 'model-'],
] as const

/** Opens the sealed keys of backends, to compare their fingerprints (absent: no AIAAS_KEK). */
export interface ActualDeps {
  db: Sql
  store: EventStore
  secrets?: SecretBox | undefined
}

/** A sealed key this process cannot open compares unequal to any key git names: apply then fails loudly. */
async function fingerprintOf(secrets: SecretBox | undefined, backend: Backend): Promise<string | null> {
  if (backend.api_key === null) return null
  if (!secrets) return 'sealed (no AIAAS_KEK to compare)'
  try {
    return credentialFingerprint(await secrets.open(backend.api_key))
  } catch {
    return 'sealed (unreadable)'
  }
}

async function modelOf(deps: ActualDeps, stream: string, id: string): Promise<ActualResource[]> {
  const { state, provenance } = await load(deps.store, stream, modelDecider)
  if (state.status !== 'Active') return []
  const { definition } = state
  const backends = []
  for (const backend of definition.backends) {
    const { url, provider, weight, priority, timeout_ms, headers } = backend
    const api_key = await fingerprintOf(deps.secrets, backend)
    backends.push({ url, provider, weight, priority, timeout_ms, headers, api_key })
  }
  return [
    {
      kind: 'model',
      id,
      aliases: definition.aliases,
      input_price_per_million_usd: definition.input_price_per_million_usd,
      output_price_per_million_usd: definition.output_price_per_million_usd,
      max_output_tokens: definition.max_output_tokens,
      strategy: definition.strategy ?? 'priority',
      rpm_limit: definition.rpm_limit ?? null,
      tpm_limit: definition.tpm_limit ?? null,
      backends,
      ...provenance,
    },
  ]
}

/** The streams any event of which came from git: the resources git manages. */
async function managedStreams(db: Sql): Promise<string[]> {
  // The literal, not a parameter: it is the predicate of the partial index events_from_git (0620).
  const { rows } = await db.query<{ stream: string }>(
    `SELECT DISTINCT stream FROM events WHERE metadata ->> 'source' = 'git'`,
  )
  return rows.map((row) => row.stream)
}

async function load<C, E extends DomainEvent, S>(
  store: EventStore,
  stream: string,
  decider: Decider<C, E, S>,
) {
  const provenance: Provenance = { managed: false, last_source: null }
  const { state } = await loadState(store, stream, decider, (recorded, event) => {
    if (recorded.metadata.source === GIT_SOURCE) provenance.managed = true
    if (DECLARED_BY_GIT.has(event.type)) provenance.last_source = recorded.metadata.source
  })
  return { state, provenance }
}

/** A user and their memberships, each membership with its own provenance (per organization). */
async function userOf(store: EventStore, stream: string, id: string): Promise<ActualResource[]> {
  const user: Provenance = { managed: false, last_source: null }
  const byOrganization = new Map<string, Provenance>()
  const { state } = await loadState(store, stream, userDecider, (recorded, event) => {
    const source = recorded.metadata.source
    if (source === GIT_SOURCE) user.managed = true
    if (DECLARED_BY_GIT.has(event.type)) user.last_source = source
    if (!MEMBERSHIP_EVENTS.has(event.type) || !('organization_id' in event.data)) return
    const organization = event.data.organization_id
    const seen = byOrganization.get(organization) ?? { managed: false, last_source: null }
    byOrganization.set(organization, { managed: seen.managed || source === GIT_SOURCE, last_source: source })
  })
  if (state.status === 'Absent') return []
  const memberships = Object.entries(state.memberships).map(([organization_id, roles]) => ({
    kind: 'membership' as const,
    id: membershipIdOf(id, organization_id),
    user_id: id,
    organization_id,
    roles: [...roles],
    ...(byOrganization.get(organization_id) ?? { managed: false, last_source: null }),
  }))
  return [{ kind: 'user', id, status: state.status, email: state.email, ...user }, ...memberships]
}

async function resourcesOf(deps: ActualDeps, stream: string): Promise<ActualResource[]> {
  const [kind, prefix] = KINDS.find(([, p]) => stream.startsWith(p)) ?? []
  if (kind === undefined || prefix === undefined) return []
  const id = stream.slice(prefix.length)
  if (kind === 'user') return userOf(deps.store, stream, id)
  if (kind === 'model') return modelOf(deps, stream, id)
  return [await resourceOf(deps.store, stream, kind, id)].flatMap((r) => r ?? [])
}

async function resourceOf(
  store: EventStore,
  stream: string,
  kind: 'organization' | 'api_key' | 'budget',
  id: string,
): Promise<ActualResource | null> {
  if (kind === 'organization') {
    const { state, provenance } = await load(store, stream, organizationDecider)
    if (state.status === 'Absent') return null
    return { kind, id, status: state.status, display_name: state.name, ...provenance }
  }
  if (kind === 'api_key') {
    const { state, provenance } = await load(store, stream, apiKeyDecider)
    if (state.status === 'Absent') return null
    return {
      kind,
      id,
      status: state.status,
      organization_id: state.organization_id,
      name: state.name,
      ...provenance,
    }
  }
  const { state, provenance } = await load(store, stream, budgetDecider)
  if (state.status === 'Absent') return null
  const { organization_id, api_key_id, period } = state
  const terms =
    state.status === 'Active'
      ? {
          limit_micros: state.limit_micros,
          enforcement: state.enforcement,
          alert_thresholds: state.alert_thresholds,
        }
      : { limit_micros: 0, enforcement: 'hard' as const, alert_thresholds: [] }
  return { kind, id, status: state.status, organization_id, api_key_id, period, ...terms, ...provenance }
}

/** The stream a declared resource lives in; a membership lives in its user's. */
function streamOf(resource: Desired['resources'][number]): string {
  if (resource.kind === 'membership') return `user-${resource.user_id}`
  return `${KINDS.find(([kind]) => kind === resource.kind)?.[1]}${resource.id}`
}

/** The users that already hold these emails (email key → user id), whoever created them. */
export async function existingUsers(db: Sql, desired: Desired): Promise<Map<string, string>> {
  const emails = desired.resources.flatMap((r) => (r.kind === 'user' ? [r.email] : []))
  if (emails.length === 0) return new Map()
  const { rows } = await db.query<{ email_key: string; user_id: string }>(
    'SELECT email_key, user_id FROM email_reservations WHERE email_key = ANY($1)',
    [emails],
  )
  return new Map(rows.map((row) => [row.email_key, row.user_id]))
}

/** Every resource git declares that exists, and every resource git manages. */
export async function readActual(deps: ActualDeps, desired: Desired): Promise<ActualResource[]> {
  const streams = new Set([...desired.resources.map(streamOf), ...(await managedStreams(deps.db))])
  const found: ActualResource[] = []
  for (const stream of [...streams].sort()) {
    found.push(...(await resourcesOf(deps, stream)))
  }
  return found
}
