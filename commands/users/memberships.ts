import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import type { RemoveMembership, SetMembership } from '../../domain/users/decide.ts'
import { userDecider } from '../../domain/users/decider.ts'
import { userStream } from '../../domain/users/user.ts'
import { type CommandContext, type CommandDeps, handleCommand, loadState } from '../handle-command.ts'
import type { Changed } from './update-user.ts'

/**
 * The organization is read, not locked: it is another aggregate, and a membership recorded just
 * as the organization closes is harmless (a closed organization's keys and sign-ins are refused).
 */
const organizationExists = async (deps: CommandDeps, organizationId: string): Promise<boolean> => {
  const organization = await loadState(deps.store, organizationStream(organizationId), organizationDecider)
  return organization.state.status !== 'Absent'
}

async function decideMembership(
  deps: CommandDeps,
  command: SetMembership | RemoveMembership,
  context: CommandContext,
): Promise<Changed> {
  const stream = userStream(command.data.user_id)
  const { positions } = await handleCommand(deps, stream, userDecider, command, context)
  return { position: positions.at(-1) ?? null }
}

/** Adds the user to the organization with these roles, or replaces their roles there. */
export async function setMembership(
  deps: CommandDeps,
  input: Omit<SetMembership['data'], 'now'>,
  context: CommandContext,
): Promise<Changed> {
  const organization_exists = await organizationExists(deps, input.organization_id)
  const data = { ...input, now: deps.now().toISOString() }
  return decideMembership(deps, { type: 'SetMembership', data, organization_exists }, context)
}

export async function removeMembership(
  deps: CommandDeps,
  input: Omit<RemoveMembership['data'], 'now'>,
  context: CommandContext,
): Promise<Changed> {
  const organization_exists = await organizationExists(deps, input.organization_id)
  const data = { ...input, now: deps.now().toISOString() }
  return decideMembership(deps, { type: 'RemoveMembership', data, organization_exists }, context)
}
