import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { desiredOf } from '../../../domain/tenants-as-code/desired.ts'
import type {
  ActualResource,
  Desired,
  DesiredResource,
  Provenance,
} from '../../../domain/tenants-as-code/model.ts'
import { type Change, plan } from '../../../domain/tenants-as-code/plan.ts'
import { formatPlan } from '../../../domain/tenants-as-code/plan-format.ts'
import type {
  ModelFileDefinition,
  OrganizationDefinition,
} from '../../../domain/tenants-as-code/resources.ts'

// The plan: git against the event store, per resource. Its law: once a plan is applied, planning
// again finds nothing to do (apply is simulated here as the commands' effect on the aggregates).

const byGit: Provenance = { managed: true, last_source: 'git' }
const byRest: Provenance = { managed: true, last_source: 'admin-api' }

function desiredFrom(
  organizations: OrganizationDefinition[],
  prune = false,
  models: ModelFileDefinition[] = [],
): Desired {
  const files = [
    ...organizations.map((organization, i) => ({ file: `${i}.yaml`, organization })),
    ...models.map((model, i) => ({ file: `model-${i}.yaml`, model })),
  ]
  const result = desiredOf({ kind: 'Repository', prune }, files)
  if (!('desired' in result)) throw new Error(JSON.stringify(result.problems))
  return result.desired
}

const acme: OrganizationDefinition = {
  kind: 'Organization',
  name: 'acme',
  display_name: 'Acme',
  budgets: [{ period: 'monthly', limit_usd: '100', enforcement: 'hard', alert_thresholds: [] }],
  api_keys: [{ name: 'web', budgets: [] }],
  members: [],
}

/** What the commands leave in the event store for a declared resource. */
function stored(resource: DesiredResource, provenance: Provenance = byGit): ActualResource {
  const { address: _address, ...fields } = resource
  if (fields.kind === 'organization') return { ...fields, status: 'Active', ...provenance }
  if (fields.kind === 'api_key') return { ...fields, status: 'Active', ...provenance }
  if (fields.kind === 'membership') return { ...fields, ...provenance }
  if (fields.kind === 'model') {
    const { api_key_files: _files, ...model } = fields
    return { ...model, ...provenance }
  }
  if (fields.kind === 'user') {
    const { display_name: _name, ...user } = fields
    return { ...user, status: 'Invited', ...provenance }
  }
  return { ...fields, status: 'Active', ...provenance }
}

/** What deleting leaves: a closed, revoked or deleted aggregate; a removed membership is no more. */
function gone(resource: ActualResource): ActualResource | null {
  if (resource.kind === 'organization') return { ...resource, status: 'Closed', ...byGit }
  if (resource.kind === 'api_key') return { ...resource, status: 'Revoked', ...byGit }
  if (resource.kind === 'user') return { ...resource, status: 'Disabled', ...byGit }
  if (resource.kind === 'membership' || resource.kind === 'model') return null
  return { ...resource, status: 'Deleted', ...byGit }
}

/** The effect of applying `changes` on the aggregates. */
function applied(actual: readonly ActualResource[], changes: readonly Change[]): ActualResource[] {
  const byId = new Map(actual.map((resource) => [resource.id, resource]))
  for (const change of changes) {
    if (change.action === 'create' || change.action === 'update')
      byId.set(change.resource.id, stored(change.resource))
    if (change.action !== 'delete') continue
    const left = gone(change.resource)
    if (left) byId.set(change.resource.id, left)
    else byId.delete(change.resource.id)
  }
  return [...byId.values()]
}

describe('plan', () => {
  const desired = desiredFrom([acme])
  const [organization, budget, key] = desired.resources as [DesiredResource, DesiredResource, DesiredResource]

  it('creates everything on an empty platform, parents first', () => {
    const { changes, drift } = plan(desired, [])
    expect(changes.map((c) => [c.action, 'resource' in c && c.resource.kind])).toEqual([
      ['create', 'organization'],
      ['create', 'api_key'],
      ['create', 'budget'],
    ])
    expect(drift).toBe(0)
    expect(formatPlan(plan(desired, []), 'abc123')).toContain(
      '  + organization.acme (create)\n      display_name: "Acme"',
    )
  })

  it('is empty when the platform is what git says', () => {
    const actual = desired.resources.map((resource) => stored(resource))
    expect(plan(desired, actual)).toEqual({ changes: [], drift: 0 })
    expect(formatPlan(plan(desired, actual), 'abc123')).toBe(
      'No changes: the platform matches git at abc123.\n',
    )
  })

  it('updates what a commit changed, field by field, without calling it drift', () => {
    const actual = desired.resources.map((resource) => stored(resource))
    const lowered = desiredFrom([{ ...acme, budgets: [{ ...acme.budgets[0]!, limit_usd: '5' }] }])
    const result = plan(lowered, actual)
    expect(result.drift).toBe(0)
    expect(result.changes).toEqual([
      expect.objectContaining({
        action: 'update',
        fields: [{ field: 'limit_micros', from: 100_000_000, to: 5_000_000 }],
        drift: false,
      }),
    ])
    expect(formatPlan(result, 'abc')).toContain(
      '  ~ organization.acme.budget.monthly (update)\n      limit_usd: "100.00" -> "5.00"',
    )
  })

  it('calls a change made outside git to a resource git manages drift, and restores it', () => {
    const changedElsewhere = (resource: DesiredResource): ActualResource => {
      const here = stored(resource, resource === key ? byGit : byRest)
      if (here.kind === 'budget') return { ...here, limit_micros: 1 }
      if (here.kind === 'organization') return { ...here, display_name: 'Renamed over REST' }
      return here
    }
    const actual = desired.resources.map(changedElsewhere)
    const result = plan(desired, actual)
    expect(result.drift).toBe(2)
    expect(result.changes.map((c) => c.action)).toEqual(['update', 'update'])
    expect(formatPlan(result, 'abc')).toContain('(update, drift: changed outside git)')
    expect(plan(desired, applied(actual, result.changes)).changes).toEqual([])
  })

  it('leaves a suspended organization suspended: suspension is not git’s', () => {
    const actual = desired.resources.map((resource) => {
      const here = stored(resource, byRest)
      return here.kind === 'organization' ? { ...here, status: 'Suspended' as const } : here
    })
    expect(plan(desired, actual)).toEqual({ changes: [], drift: 0 })
  })

  it('deletes what git no longer declares only with prune, and only what git manages', () => {
    const actual = desired.resources.map((resource) => stored(resource))
    const unmanaged = { ...stored(key), id: 'rest-key', managed: false, last_source: 'admin-api' }
    const none = desiredFrom([])
    expect(plan(none, [...actual, unmanaged]).changes).toEqual([])
    const pruned = plan({ ...none, prune: true }, [...actual, unmanaged])
    expect(pruned.changes.map((c) => c.action === 'delete' && [c.resource.kind, c.resource.id])).toEqual([
      ['budget', budget.id],
      ['api_key', key.id],
      ['organization', organization.id],
    ])
  })

  it('cannot bring back a revoked key or a closed organization', () => {
    const actual = desired.resources.flatMap((resource) => gone(stored(resource)) ?? [])
    const blocked = plan(desired, actual).changes.filter((c) => c.action === 'blocked')
    expect(blocked.map((c) => c.action === 'blocked' && c.address)).toEqual([
      'organization.acme',
      'organization.acme.api_key.web',
    ])
  })
})

// Random repositories against random platforms: applying the plan leaves nothing to plan.
const slug = fc.constantFrom('a', 'b', 'c', 'd')
const budgetArb = fc.record({
  period: fc.constantFrom('daily' as const, 'monthly' as const, 'total' as const),
  limit_usd: fc.integer({ min: 0, max: 1000 }).map(String),
  enforcement: fc.constantFrom('hard' as const, 'soft' as const),
  alert_thresholds: fc.uniqueArray(fc.constantFrom(0.5, 0.8, 1), { maxLength: 3 }),
})
const budgetsArb = fc.uniqueArray(budgetArb, { selector: (b) => b.period, maxLength: 3 })
const organizationArb = fc.record({
  kind: fc.constant('Organization' as const),
  name: slug,
  display_name: fc.constantFrom('One', 'Two'),
  budgets: budgetsArb,
  api_keys: fc.uniqueArray(fc.record({ name: slug, budgets: budgetsArb }), {
    selector: (k) => k.name,
    maxLength: 3,
  }),
  members: fc.uniqueArray(
    fc.record({
      email: fc.constantFrom('ada@example.com', 'Bob@example.com', 'cy@example.com'),
      display_name: fc.constant('Someone'),
      roles: fc.uniqueArray(fc.constantFrom('org_admin' as const, 'analyst' as const, 'member' as const), {
        minLength: 1,
      }),
    }),
    { selector: (m) => m.email, maxLength: 3 },
  ),
})
const repositoryArb = fc.uniqueArray(organizationArb, { selector: (o) => o.name, maxLength: 3 })
const modelsArb = fc.uniqueArray(
  fc.record({
    kind: fc.constant('Model' as const),
    name: fc.constantFrom('gpt-x', 'llama', 'claude'),
    aliases: fc.constant<string[]>([]),
    input_price_per_million_usd: fc.constantFrom('0.5', '3'),
    output_price_per_million_usd: fc.constantFrom('1.5', '15'),
    max_output_tokens: fc.constantFrom(4096, 8192),
    strategy: fc.constantFrom('priority' as const, 'weighted' as const),
    rpm_limit: fc.constantFrom(null, 60),
    tpm_limit: fc.constant(null),
    backends: fc.constant<ModelFileDefinition['backends']>([
      {
        url: 'https://backend.example/v1',
        provider: 'openai-compatible' as const,
        weight: 1,
        priority: 0,
        timeout_ms: 60_000,
        headers: {},
        api_key_file: null,
      },
    ]),
  }),
  { selector: (m) => m.name, maxLength: 2 },
)

/** A platform that holds some of the declared resources, some changed, some gone, and others. */
function platformArb(desired: Desired): fc.Arbitrary<ActualResource[]> {
  const variants = desired.resources.map((resource) =>
    fc.constantFrom('absent', 'same', 'changed', 'gone', 'elsewhere').map((variant): ActualResource[] => {
      const provenance = variant === 'elsewhere' ? byRest : byGit
      const here = stored(resource, provenance)
      if (variant === 'absent') return []
      if (variant === 'gone') return [gone(here) ?? []].flat()
      if (variant === 'same') return [here]
      if (here.kind === 'organization') return [{ ...here, display_name: 'Renamed', status: 'Suspended' }]
      if (here.kind === 'budget')
        return [{ ...here, limit_micros: here.limit_micros + 1, alert_thresholds: [1] }]
      return [here]
    }),
  )
  const others = fc.array(
    fc.record({ id: fc.uuid(), managed: fc.boolean() }).map(
      ({ id, managed }): ActualResource => ({
        kind: 'api_key',
        id,
        status: 'Active',
        organization_id: 'x',
        name: 'other',
        managed,
        last_source: managed ? 'git' : 'admin-api',
      }),
    ),
    { maxLength: 3 },
  )
  return fc.tuple(fc.tuple(...variants), others).map(([found, extra]) => [...found.flat(), ...extra])
}

describe('plan, as a law', () => {
  it('plan(desired, apply(plan(desired, actual))) has nothing left but what no command can do', () => {
    const scenario = fc
      .tuple(repositoryArb, fc.boolean(), modelsArb)
      .map(([organizations, prune, models]) => desiredFrom(organizations, prune, models))
      .chain((desired) => fc.tuple(fc.constant(desired), platformArb(desired)))
    fc.assert(
      fc.property(scenario, ([desired, actual]) => {
        const first = plan(desired, actual)
        const second = plan(desired, applied(actual, first.changes))
        expect(second.changes).toEqual(first.changes.filter((c) => c.action === 'blocked'))
        expect(second.drift).toBe(0)
      }),
    )
  })
})
