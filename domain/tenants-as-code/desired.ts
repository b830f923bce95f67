import { canonicalThresholds, limitMicros, MAX_LIMIT_USD } from '../budgets/amounts.ts'
import { canonicalPrice } from '../models/price.ts'
import { emailKey } from '../users/email.ts'
import { canonicalRoles } from '../users/user.ts'
import { apiKeyIdOf, budgetIdOf, organizationIdOf, userIdOf } from './identity.ts'
import { type Desired, type DesiredBudget, type DesiredResource, membershipIdOf } from './model.ts'
import type {
  BudgetDefinition,
  MemberDefinition,
  ModelFileDefinition,
  OrganizationDefinition,
  RepositoryConfig,
} from './resources.ts'

// From validated files to the flat desired list, with the rules a schema cannot say: a name is
// declared once, one budget per period and scope, thresholds distinct.

export type DefinitionFile =
  | { file: string; organization: OrganizationDefinition }
  | { file: string; model: ModelFileDefinition }

/** What is wrong, and where: `path` is the path inside the file (the loader turns it into a line). */
export interface Problem {
  file: string
  path: (string | number)[]
  reason: string
}

type Path = (string | number)[]

/** The schema checked the decimal's shape; only the ceiling is left (null: above it). */
function microsOf(limit_usd: string): number | null {
  try {
    return limitMicros(limit_usd)
  } catch {
    return null
  }
}

function budgetsOf(
  defined: readonly BudgetDefinition[],
  scope: { address: string; organization_id: string; api_key_id: string | null; path: Path },
  problem: (path: Path, reason: string) => void,
): DesiredBudget[] {
  const seen = new Set<string>()
  return defined.flatMap((budget, index) => {
    const path = [...scope.path, 'budgets', index]
    if (seen.has(budget.period)) problem([...path, 'period'], `a second ${budget.period} budget here`)
    seen.add(budget.period)
    const thresholds = new Set(budget.alert_thresholds)
    if (thresholds.size !== budget.alert_thresholds.length)
      problem([...path, 'alert_thresholds'], 'alert_thresholds repeat a value')
    const limit_micros = microsOf(budget.limit_usd)
    if (limit_micros === null) problem([...path, 'limit_usd'], `limit_usd is above ${MAX_LIMIT_USD}`)
    if (thresholds.size !== budget.alert_thresholds.length || limit_micros === null) return []
    const { organization_id, api_key_id } = scope
    return [
      {
        kind: 'budget' as const,
        id: budgetIdOf(organization_id, api_key_id, budget.period),
        address: `${scope.address}.budget.${budget.period}`,
        organization_id,
        api_key_id,
        period: budget.period,
        limit_micros,
        enforcement: budget.enforcement,
        alert_thresholds: canonicalThresholds(budget.alert_thresholds),
      },
    ]
  })
}

/** A member is a user (declared once however many organizations name it) and a membership. */
function membersOf(
  members: readonly MemberDefinition[],
  organization: { address: string; organization_id: string },
  problem: (path: Path, reason: string) => void,
): DesiredResource[] {
  const seen = new Set<string>()
  return members.flatMap((member, index) => {
    const email = emailKey(member.email)
    if (seen.has(email)) problem(['members', index, 'email'], `${member.email} is a member here twice`)
    seen.add(email)
    const user_id = userIdOf(email)
    const { organization_id } = organization
    return [
      {
        kind: 'user' as const,
        id: user_id,
        address: `user.${email}`,
        email,
        display_name: member.display_name,
      },
      {
        kind: 'membership' as const,
        id: membershipIdOf(user_id, organization_id),
        address: `${organization.address}.member.${email}`,
        user_id,
        organization_id,
        roles: canonicalRoles(member.roles),
      },
    ]
  })
}

/**
 * A model as compared. Each backend's api_key is null here: the reconciler reads the files the
 * keys are in and puts their fingerprints in (withCredentials), so the plan never holds a key.
 */
function modelOf(
  model: ModelFileDefinition,
  problem: (path: Path, reason: string) => void,
): DesiredResource[] {
  const priceOf = (field: 'input_price_per_million_usd' | 'output_price_per_million_usd') => {
    const price = canonicalPrice(model[field])
    if (price === null) problem([field], `${field} is above 100000`)
    return price ?? ''
  }
  const { name, aliases, max_output_tokens, strategy, rpm_limit, tpm_limit } = model
  const backends = model.backends.map(({ api_key_file: _file, ...backend }) => ({
    ...backend,
    api_key: null,
  }))
  return [
    {
      kind: 'model',
      id: name,
      address: `model.${name}`,
      aliases,
      input_price_per_million_usd: priceOf('input_price_per_million_usd'),
      output_price_per_million_usd: priceOf('output_price_per_million_usd'),
      max_output_tokens,
      strategy,
      rpm_limit,
      tpm_limit,
      backends,
      api_key_files: model.backends.map((backend) => backend.api_key_file),
    },
  ]
}

function resourcesOf(
  definition: DefinitionFile,
  problem: (path: Path, reason: string) => void,
): DesiredResource[] {
  if ('model' in definition) return modelOf(definition.model, problem)
  const { organization } = definition
  const organization_id = organizationIdOf(organization.name)
  const address = `organization.${organization.name}`
  const out: DesiredResource[] = [
    { kind: 'organization', id: organization_id, address, display_name: organization.display_name },
    ...budgetsOf(organization.budgets, { address, organization_id, api_key_id: null, path: [] }, problem),
  ]
  const names = new Set<string>()
  organization.api_keys.forEach((key, index) => {
    if (names.has(key.name)) problem(['api_keys', index, 'name'], `API key ${key.name} is declared twice`)
    names.add(key.name)
    const id = apiKeyIdOf(organization.name, key.name)
    const keyAddress = `${address}.api_key.${key.name}`
    out.push({ kind: 'api_key', id, address: keyAddress, organization_id, name: key.name })
    const scope = { address: keyAddress, organization_id, api_key_id: id, path: ['api_keys', index] }
    out.push(...budgetsOf(key.budgets, scope, problem))
  })
  out.push(...membersOf(organization.members, { address, organization_id }, problem))
  return out
}

/** The desired state, or every problem found (then nothing may be applied). */
export function desiredOf(
  config: RepositoryConfig,
  files: readonly DefinitionFile[],
): { desired: Desired } | { problems: Problem[] } {
  const problems: Problem[] = []
  const declaredIn = new Map<string, string>()
  const resources = files.flatMap((definition) => {
    const problem = (path: Path, reason: string) => problems.push({ file: definition.file, path, reason })
    const [kind, name] =
      'model' in definition
        ? ['model', definition.model.name]
        : ['organization', definition.organization.name]
    const earlier = declaredIn.get(`${kind}\u0000${name}`)
    if (earlier !== undefined) problem(['name'], `${kind} ${name} is already declared in ${earlier}`)
    declaredIn.set(`${kind}\u0000${name}`, definition.file)
    return resourcesOf(definition, problem)
  })
  return problems.length > 0 ? { problems } : { desired: { prune: config.prune, resources: once(resources) } }
}

/** A user several organizations name is one resource: the first declaration's. */
function once(resources: DesiredResource[]): DesiredResource[] {
  const seen = new Set<string>()
  return resources.filter((resource) => {
    if (resource.kind !== 'user') return true
    if (seen.has(resource.id)) return false
    seen.add(resource.id)
    return true
  })
}

/**
 * Users that already exist keep their ids: `existing` maps an email key to the id of the user
 * holding it (created over the admin API, or by git). Memberships follow their user.
 */
export function withUserIds(desired: Desired, existing: ReadonlyMap<string, string>): Desired {
  const idOf = new Map<string, string>()
  for (const resource of desired.resources)
    if (resource.kind === 'user') idOf.set(resource.id, existing.get(resource.email) ?? resource.id)
  const resources = desired.resources.map((resource): DesiredResource => {
    if (resource.kind === 'user') return { ...resource, id: idOf.get(resource.id) ?? resource.id }
    if (resource.kind !== 'membership') return resource
    const user_id = idOf.get(resource.user_id) ?? resource.user_id
    return { ...resource, user_id, id: membershipIdOf(user_id, resource.organization_id) }
  })
  return { ...desired, resources }
}

/** Fills each model backend's api_key with the fingerprint of the key its file holds. */
export function withCredentials(desired: Desired, fingerprintOf: ReadonlyMap<string, string>): Desired {
  const resources = desired.resources.map((resource): DesiredResource => {
    if (resource.kind !== 'model') return resource
    const backends = resource.backends.map((backend, index) => {
      const file = resource.api_key_files[index] ?? null
      return { ...backend, api_key: file === null ? null : (fingerprintOf.get(file) ?? null) }
    })
    return { ...resource, backends }
  })
  return { ...desired, resources }
}
