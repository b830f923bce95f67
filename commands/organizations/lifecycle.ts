import type { OrganizationCommand } from '../../domain/organizations/decide.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'
import type { OrganizationChanged } from './update-organization.ts'

// Suspend, reactivate, close: each moves the organization between Active, Suspended and Closed.

async function run(
  deps: CommandDeps,
  command: OrganizationCommand,
  context: CommandContext,
): Promise<OrganizationChanged> {
  const { organization_id } = command.data
  const { positions } = await handleCommand(
    deps,
    organizationStream(organization_id),
    organizationDecider,
    command,
    context,
  )
  return { organization_id, position: positions.at(-1) ?? null }
}

const nowOf = (deps: CommandDeps) => deps.now().toISOString()

/** Every key of a suspended organization is refused at the router until it is reactivated. */
export const suspendOrganization = (
  deps: CommandDeps,
  input: { organization_id: string; reason: string },
  context: CommandContext,
) => run(deps, { type: 'SuspendOrganization', data: { ...input, now: nowOf(deps) } }, context)

export const reactivateOrganization = (
  deps: CommandDeps,
  input: { organization_id: string },
  context: CommandContext,
) => run(deps, { type: 'ReactivateOrganization', data: { ...input, now: nowOf(deps) } }, context)

/** Final: a closed organization refuses every command and can only be read. */
export const closeOrganization = (
  deps: CommandDeps,
  input: { organization_id: string },
  context: CommandContext,
) => run(deps, { type: 'CloseOrganization', data: { ...input, now: nowOf(deps) } }, context)
