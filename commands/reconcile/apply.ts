import { usdOf } from '../../domain/budgets/amounts.ts'
import { AppError } from '../../domain/errors.ts'
import type { AddressClass } from '../../domain/models/backend-address.ts'
import type {
  ActualResource,
  DesiredBudget,
  DesiredModel,
  DesiredResource,
} from '../../domain/tenants-as-code/model.ts'
import type { Change } from '../../domain/tenants-as-code/plan.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { issueApiKey } from '../api-keys/issue-api-key.ts'
import { revokeApiKey } from '../api-keys/revoke-api-key.ts'
import { changeBudget, createBudget, deleteBudget } from '../budgets/budget-commands.ts'
import type { CommandContext, CommandDeps } from '../handle-command.ts'
import {
  createModel,
  deleteModel,
  type ModelBody,
  type ModelCommandDeps,
  updateModel,
} from '../models/model-commands.ts'
import type { BackendBody } from '../models/model-input.ts'
import { createOrganization } from '../organizations/create-organization.ts'
import { closeOrganization } from '../organizations/lifecycle.ts'
import { updateOrganization } from '../organizations/update-organization.ts'
import type { Reservations } from '../reservations.ts'
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
  /** Seals backends' API keys (and the signing secrets of keys that need one); absent: no AIAAS_KEK. */
  secrets?: SecretBox | undefined
  /** AIAAS_BACKEND_ALLOWED_ADDRESSES, for the model commands. */
  allowedAddresses: readonly AddressClass[]
  /** Model names and aliases (model_name_reservations). */
  modelNames: Reservations
}

/** The plaintext of each api_key_file the plan names, read once per run, for the model commands. */
export type Credentials = ReadonlyMap<string, string>

const noSecretBox: SecretBox = {
  seal: () =>
    Promise.reject(new AppError('SECRETS_UNAVAILABLE', 'no key-encryption key is configured (AIAAS_KEK)')),
  open: () =>
    Promise.reject(new AppError('SECRETS_UNAVAILABLE', 'no key-encryption key is configured (AIAAS_KEK)')),
}

function modelDeps(deps: ApplyDeps): ModelCommandDeps {
  const secrets = deps.secrets ?? noSecretBox
  return { commands: deps, secrets, allowedAddresses: deps.allowedAddresses, names: deps.modelNames }
}

/** The admin API's model body for what git declares; each key from its file. */
function modelBody(model: DesiredModel, credentials: Credentials): ModelBody {
  const backends = model.backends.map(({ api_key: _fingerprint, ...backend }, index) => {
    const file = model.api_key_files[index] ?? null
    return {
      ...backend,
      provider: backend.provider as BackendBody['provider'],
      api_key: file === null ? null : (credentials.get(file) ?? null),
    }
  })
  const { id: name, aliases, input_price_per_million_usd, output_price_per_million_usd } = model
  const { max_output_tokens, rpm_limit, tpm_limit } = model
  const strategy = model.strategy as ModelBody['strategy']
  return {
    name,
    aliases,
    input_price_per_million_usd,
    output_price_per_million_usd,
    max_output_tokens,
    strategy,
    rpm_limit,
    tpm_limit,
    backends,
  }
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
  credentials: Credentials,
): Promise<CreatedKey | null> {
  switch (resource.kind) {
    case 'model':
      await createModel(modelDeps(deps), modelBody(resource, credentials), context)
      return null
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
  deps: ApplyDeps,
  resource: DesiredResource,
  actual: ActualResource,
  context: CommandContext,
  credentials: Credentials,
) {
  if (resource.kind === 'budget') return createOrUpdateBudget(deps, resource, context, true)
  if (resource.kind === 'model') {
    const { name, ...patch } = modelBody(resource, credentials)
    return void (await updateModel(modelDeps(deps), name, patch, context))
  }
  if (resource.kind === 'membership') {
    const { user_id, organization_id, roles } = resource
    return void (await setMembership(deps, { user_id, organization_id, roles }, context))
  }
  if (resource.kind !== 'organization' || actual.kind !== 'organization') return
  if (actual.display_name !== resource.display_name)
    await updateOrganization(deps, { organization_id: resource.id, name: resource.display_name }, context)
}

async function remove(deps: ApplyDeps, resource: ActualResource, context: CommandContext) {
  switch (resource.kind) {
    case 'model':
      return void (await deleteModel(modelDeps(deps), resource.id, context))
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
  credentials: Credentials,
): Promise<CreatedKey | null> {
  switch (change.action) {
    case 'create':
      // A budget deleted earlier is created again on its own stream (the same id).
      return create(deps, change.resource, context, credentials)
    case 'update':
      await update(deps, change.resource, change.actual, context, credentials)
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
