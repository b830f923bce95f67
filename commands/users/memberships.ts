import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import type { OrganizationPresence, RemoveMembership, SetMembership } from '../../domain/users/decide.ts'
import { userDecider } from '../../domain/users/decider.ts'
import { userStream } from '../../domain/users/user.ts'
import { type CommandContext, type CommandDeps, handleCommand, loadState } from '../handle-command.ts'
import type { Changed } from './update-user.ts'

/**
 * The organization is read, not locked: it is another aggregate, and a membership recorded just
 * as the organization closes is harmless (a closed organization's keys are refused).
 */
async function presenceOf(deps: CommandDeps, organizationId: string): Promise<OrganizationPresence> {
  const { state } = await loadState(deps.store, organizationStream(organizationId), organizationDecider)
  if (state.status === 'Absent') return 'absent'
  return state.status === 'Closed' ? 'closed' : 'open'
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
  const organization = await presenceOf(deps, input.organization_id)
  const data = { ...input, now: deps.now().toISOString() }
  return decideMembership(deps, { type: 'SetMembership', data, organization }, context)
}

export async function removeMembership(
  deps: CommandDeps,
  input: Omit<RemoveMembership['data'], 'now'>,
  context: CommandContext,
): Promise<Changed> {
  const organization = await presenceOf(deps, input.organization_id)
  const data = { ...input, now: deps.now().toISOString() }
  return decideMembership(deps, { type: 'RemoveMembership', data, organization }, context)
}
