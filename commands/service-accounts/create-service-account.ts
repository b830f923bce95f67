import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { hashClientSecret, newClientSecret } from '../../domain/service-accounts/client-secret.ts'
import { serviceAccountDecider } from '../../domain/service-accounts/decider.ts'
import { serviceAccountStream } from '../../domain/service-accounts/service-account.ts'
import type { OrganizationRole } from '../../domain/users/user.ts'
import { type CommandContext, type CommandDeps, handleCommand, loadState } from '../handle-command.ts'

export interface CreateServiceAccountInput {
  organization_id: string
  name: string
  roles: readonly OrganizationRole[]
}

export interface CreatedServiceAccount {
  service_account_id: string
  organization_id: string
  name: string
  roles: OrganizationRole[]
  client_id: string
  /** The secret: returned once, never stored. */
  client_secret: string
  created_at: string
  position: bigint
}

/** A new service account; its client id is its id, so a token's client names the account. */
export async function createServiceAccount(
  deps: CommandDeps,
  input: CreateServiceAccountInput,
  context: CommandContext,
): Promise<CreatedServiceAccount> {
  const service_account_id = deps.newId()
  const client_secret = newClientSecret()
  const now = deps.now().toISOString()
  const organization = await loadState(
    deps.store,
    organizationStream(input.organization_id),
    organizationDecider,
  )
  const data = {
    ...input,
    service_account_id,
    client_id: service_account_id,
    secret_hash: hashClientSecret(client_secret),
    now,
  }
  const { events, positions } = await handleCommand(
    deps,
    serviceAccountStream(service_account_id),
    serviceAccountDecider,
    { type: 'CreateServiceAccount', data, organization: organization.state },
    context,
  )
  const event = events[0]
  if (event?.type !== 'ServiceAccountCreated') throw new Error('creation decided no ServiceAccountCreated')
  const { secret_hash: _hash, created_at, ...shown } = event.data
  return { ...shown, client_secret, created_at, position: positions.at(-1) ?? 0n }
}
