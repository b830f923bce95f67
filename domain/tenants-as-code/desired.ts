import { canonicalThresholds, limitMicros, MAX_LIMIT_USD } from '../budgets/amounts.ts'
import { apiKeyIdOf, budgetIdOf, organizationIdOf } from './identity.ts'
import type { Desired, DesiredBudget, DesiredResource } from './model.ts'
import type { BudgetDefinition, OrganizationDefinition, RepositoryConfig } from './resources.ts'

// From validated files to the flat desired list, with the rules a schema cannot say: a name is
// declared once, one budget per period and scope, thresholds distinct.

export interface DefinitionFile {
  file: string
  organization: OrganizationDefinition
}

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

function resourcesOf(
  { organization }: DefinitionFile,
  problem: (path: Path, reason: string) => void,
): DesiredResource[] {
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
    const name = definition.organization.name
    const earlier = declaredIn.get(name)
    if (earlier !== undefined) problem(['name'], `organization ${name} is already declared in ${earlier}`)
    declaredIn.set(name, definition.file)
    return resourcesOf(definition, problem)
  })
  return problems.length > 0 ? { problems } : { desired: { prune: config.prune, resources } }
}
