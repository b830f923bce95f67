import { apiKeyDecider } from '../../domain/api-keys/decider.ts'
import { budgetDecider } from '../../domain/budgets/decider.ts'
import type { Decider, DomainEvent } from '../../domain/decider.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import type { ActualResource, Desired, Provenance } from '../../domain/tenants-as-code/model.ts'
import { GIT_SOURCE } from '../../domain/tenants-as-code/model.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { EventStore } from '../../infra/ports/event-store.ts'
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
  'OrganizationSuspended',
  'OrganizationReactivated',
  'OrganizationClosed',
  'ApiKeyIssued',
  'ApiKeyRevoked',
  'BudgetCreated',
  'BudgetChanged',
  'BudgetDeleted',
])

const KINDS = [
  ['organization', 'organization-'],
  ['api_key', 'api_key-'],
  ['budget', 'budget-'],
] as const

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

async function resourceOf(store: EventStore, stream: string): Promise<ActualResource | null> {
  const [kind, prefix] = KINDS.find(([, p]) => stream.startsWith(p)) ?? []
  if (kind === undefined || prefix === undefined) return null
  const id = stream.slice(prefix.length)
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

const streamOf = (resource: Desired['resources'][number]) =>
  `${KINDS.find(([kind]) => kind === resource.kind)?.[1]}${resource.id}`

/** Every resource git declares that exists, and every resource git manages. */
export async function readActual(db: Sql, store: EventStore, desired: Desired): Promise<ActualResource[]> {
  const streams = new Set([...desired.resources.map(streamOf), ...(await managedStreams(db))])
  const found: ActualResource[] = []
  for (const stream of [...streams].sort()) {
    const resource = await resourceOf(store, stream)
    if (resource) found.push(resource)
  }
  return found
}
