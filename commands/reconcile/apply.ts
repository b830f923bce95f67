import { usdOf } from '../../domain/budgets/amounts.ts'
import type { ActualResource, DesiredBudget, DesiredResource } from '../../domain/tenants-as-code/model.ts'
import type { Change } from '../../domain/tenants-as-code/plan.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { issueApiKey } from '../api-keys/issue-api-key.ts'
import { revokeApiKey } from '../api-keys/revoke-api-key.ts'
import { changeBudget, createBudget, deleteBudget } from '../budgets/budget-commands.ts'
import type { CommandContext, CommandDeps } from '../handle-command.ts'
import { createOrganization } from '../organizations/create-organization.ts'
import { closeOrganization, reactivateOrganization } from '../organizations/lifecycle.ts'
import { updateOrganization } from '../organizations/update-organization.ts'
import { createUser, type UserCommandDeps } from '../users/create-user.ts'
import { removeMembership, setMembership } from '../users/memberships.ts'

// A plan's changes as commands, through the same command functions the admin API calls, each
// event with metadata {source: "git", commit}. Changes run in the plan's order (parents first);
// each is one atomic append, and the first that fails stops the run: the next run plans again
// from what was stored, so a run cut short is finished by the next.

export interface CreatedKey {
  address: string
  api_key_id: string
  organization_id: string
  /** The secret: shown once, here, and never stored. */
  key: string
}

export interface ApplyDeps extends UserCommandDeps {
  secrets?: SecretBox | undefined
}

/** The command functions draw an aggregate's id from newId first: git's id is handed out there. */
function withId<D extends CommandDeps>(deps: D, id: string): D {
  let given = false
  return {
    ...deps,
    newId: () => {
      if (given) return deps.newId()
      given = true
      return id
    },
  }
}

async function createOrUpdateBudget(
  deps: CommandDeps,
  budget: DesiredBudget,
  context: CommandContext,
  exists: boolean,
) {
  const terms = {
    limit_usd: usdOf(budget.limit_micros),
    enforcement: budget.enforcement,
    alert_thresholds: budget.alert_thresholds,
  }
  const { organization_id, api_key_id, period } = budget
  if (exists) await changeBudget(deps, { budget_id: budget.id, organization_id }, terms, context)
  else await createBudget(deps, { organization_id, api_key_id, period, ...terms }, context)
}

async function create(
  deps: ApplyDeps,
  resource: DesiredResource,
  context: CommandContext,
): Promise<CreatedKey | null> {
  switch (resource.kind) {
    case 'organization':
      await createOrganization(withId(deps, resource.id), { name: resource.display_name }, context)
      return null
    case 'api_key': {
      const { organization_id, name } = resource
      const issued = await issueApiKey(
        withId(deps, resource.id),
        { organization_id, name },
        context,
        deps.secrets,
      )
      return { address: resource.address, api_key_id: resource.id, organization_id, key: issued.key }
    }
    case 'user': {
      // Invited: git holds no password; the user signs in through an invitation (admin API).
      const { email, display_name } = resource
      await createUser(withId(deps, resource.id), { email, display_name, invite: true }, context)
      return null
    }
    case 'membership': {
      const { user_id, organization_id, roles } = resource
      await setMembership(deps, { user_id, organization_id, roles }, context)
      return null
    }
    case 'budget':
      await createOrUpdateBudget(deps, resource, context, false)
      return null
    default: {
      const unknown: never = resource
      throw new Error(`unknown resource ${JSON.stringify(unknown)}`)
    }
  }
}

async function update(
  deps: CommandDeps,
  resource: DesiredResource,
  actual: ActualResource,
  context: CommandContext,
) {
  if (resource.kind === 'budget') return createOrUpdateBudget(deps, resource, context, true)
  if (resource.kind === 'membership') {
    const { user_id, organization_id, roles } = resource
    return void (await setMembership(deps, { user_id, organization_id, roles }, context))
  }
  if (resource.kind !== 'organization' || actual.kind !== 'organization') return
  const organization_id = resource.id
  if (actual.status === 'Suspended') await reactivateOrganization(deps, { organization_id }, context)
  if (actual.display_name !== resource.display_name)
    await updateOrganization(deps, { organization_id, name: resource.display_name }, context)
}

async function remove(deps: CommandDeps, resource: ActualResource, context: CommandContext) {
  switch (resource.kind) {
    case 'organization':
      return void (await closeOrganization(deps, { organization_id: resource.id }, context))
    case 'api_key':
      return void (await revokeApiKey(deps, { api_key_id: resource.id }, context))
    case 'membership': {
      const { user_id, organization_id } = resource
      return void (await removeMembership(deps, { user_id, organization_id }, context))
    }
    case 'budget': {
      const { id: budget_id, organization_id } = resource
      return void (await deleteBudget(deps, { budget_id, organization_id }, context))
    }
    case 'user':
      // Never planned (plan.ts): a user may belong to organizations git does not manage.
      return
  }
}

/** Runs one change; a key it creates comes back with its secret. */
export async function applyChange(
  deps: ApplyDeps,
  change: Change,
  context: CommandContext,
): Promise<CreatedKey | null> {
  switch (change.action) {
    case 'create':
      // A budget deleted earlier is created again on its own stream (the same id).
      return create(deps, change.resource, context)
    case 'update':
      await update(deps, change.resource, change.actual, context)
      return null
    case 'delete':
      await remove(deps, change.resource, context)
      return null
    case 'blocked':
      return null
    default: {
      const unknown: never = change
      throw new Error(`unknown change ${JSON.stringify(unknown)}`)
    }
  }
}
