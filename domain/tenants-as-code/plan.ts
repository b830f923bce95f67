import {
  type ActualResource,
  type Desired,
  type DesiredResource,
  GIT_SOURCE,
  type ResourceKind,
} from './model.ts'

// The plan: a pure diff of what git declares against what the event store holds, per resource,
// like `terraform plan`. Only fields git declares are compared; a resource git manages that was
// changed from elsewhere since git last wrote it is drift: planned like any update, and counted.

export interface FieldChange {
  field: string
  from: unknown
  to: unknown
}

export type Change =
  | { action: 'create'; resource: DesiredResource; fields: FieldChange[]; drift: boolean }
  | {
      action: 'update'
      resource: DesiredResource
      actual: ActualResource
      fields: FieldChange[]
      drift: boolean
    }
  | { action: 'delete'; resource: ActualResource }
  /** A change no command can make (a revoked key cannot be issued again under its id). */
  | { action: 'blocked'; address: string; reason: string }

export interface Plan {
  changes: Change[]
  /** Resources git manages that were changed or removed from elsewhere. */
  drift: number
}

const ORDER: Record<ResourceKind, number> = {
  model: 0,
  organization: 1,
  user: 2,
  api_key: 3,
  membership: 4,
  budget: 5,
}

const MODEL_TERMS = [
  'aliases',
  'input_price_per_million_usd',
  'output_price_per_million_usd',
  'max_output_tokens',
  'strategy',
  'rpm_limit',
  'tpm_limit',
  'backends',
] as const

function fieldChanges(pairs: [string, unknown, unknown][]): FieldChange[] {
  return pairs
    .filter(([, from, to]) => JSON.stringify(from) !== JSON.stringify(to))
    .map(([field, from, to]) => ({ field, from, to }))
}

/** What differs between one declared resource and its aggregate (the kinds match: ids are per kind). */
function differences(desired: DesiredResource, actual: ActualResource): FieldChange[] | string {
  if (desired.kind === 'organization' && actual.kind === 'organization') {
    if (actual.status === 'Closed') return 'the organization is closed; a closed organization stays closed'
    // Suspension is an operator's act (abuse, an unpaid bill), not a declaration: git leaves it be.
    return fieldChanges([['display_name', actual.display_name, desired.display_name]])
  }
  if (desired.kind === 'model' && actual.kind === 'model')
    return fieldChanges(MODEL_TERMS.map((field) => [field, actual[field], desired[field]]))
  // A user git names exists: that is all git asks of it (their name is theirs to change).
  if (desired.kind === 'user' && actual.kind === 'user') return []
  if (desired.kind === 'membership' && actual.kind === 'membership')
    return fieldChanges([['roles', actual.roles, desired.roles]])
  if (desired.kind === 'api_key' && actual.kind === 'api_key')
    return actual.status === 'Revoked' ? 'the key is revoked; declare a key of another name' : []
  if (desired.kind === 'budget' && actual.kind === 'budget') {
    const created = actual.status === 'Active'
    return fieldChanges([
      ['status', actual.status, 'Active'],
      ['limit_micros', created ? actual.limit_micros : null, desired.limit_micros],
      ['enforcement', created ? actual.enforcement : null, desired.enforcement],
      ['alert_thresholds', created ? actual.alert_thresholds : null, desired.alert_thresholds],
    ])
  }
  return `${desired.address} names an aggregate of another kind`
}

function createFields(resource: DesiredResource): FieldChange[] {
  if (resource.kind === 'model')
    return MODEL_TERMS.map((field) => ({ field, from: null, to: resource[field] }))
  const { kind: _kind, id: _id, address: _address, ...fields } = resource
  return Object.entries(fields).map(([field, to]) => ({ field, from: null, to }))
}

const drifted = (actual: ActualResource) => actual.managed && actual.last_source !== GIT_SOURCE

function changeOf(
  resource: DesiredResource,
  actual: ActualResource | undefined,
  byId: ReadonlyMap<string, ActualResource>,
): Change | null {
  // A disabled user can be given no role (the user decider refuses it).
  const user = resource.kind === 'membership' ? byId.get(resource.user_id) : undefined
  if (user?.kind === 'user' && user.status === 'Disabled')
    return { action: 'blocked', address: resource.address, reason: 'the user is disabled' }
  if (actual === undefined)
    return { action: 'create', resource, fields: createFields(resource), drift: false }
  const found = differences(resource, actual)
  if (typeof found === 'string') return { action: 'blocked', address: resource.address, reason: found }
  if (found.length === 0) return null
  const reborn = actual.kind === 'budget' && actual.status === 'Deleted'
  const drift = drifted(actual)
  return reborn
    ? { action: 'create', resource, fields: createFields(resource), drift }
    : { action: 'update', resource, actual, fields: found, drift }
}

const isGone = (actual: ActualResource) =>
  (actual.kind === 'organization' && actual.status === 'Closed') ||
  (actual.kind === 'api_key' && actual.status === 'Revoked') ||
  (actual.kind === 'budget' && actual.status === 'Deleted')

/** Creates and updates parents first; deletions children first, and only with prune. */
export function plan(desired: Desired, actual: readonly ActualResource[]): Plan {
  const byId = new Map(actual.map((resource) => [resource.id, resource]))
  const declared = new Set(desired.resources.map((resource) => resource.id))
  const sorted = [...desired.resources].sort((a, b) => ORDER[a.kind] - ORDER[b.kind])
  const changes = sorted.flatMap((resource) => changeOf(resource, byId.get(resource.id), byId) ?? [])
  // Users are never deleted by git; their memberships are.
  const removed = actual
    .filter((r) => r.kind !== 'user' && r.managed && !declared.has(r.id) && !isGone(r))
    .sort((a, b) => ORDER[b.kind] - ORDER[a.kind])
  const deletions: Change[] = desired.prune ? removed.map((resource) => ({ action: 'delete', resource })) : []
  const drift = changes.filter((change) => 'drift' in change && change.drift).length
  return { changes: [...changes, ...deletions], drift }
}
