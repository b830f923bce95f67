import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import type { OrganizationPresence, RemoveMembership, SetMembership } from '../../domain/users/decide.ts'
import { type CommandContext, type CommandDeps, loadState } from '../handle-command.ts'
import { type Changed, decideUser } from './decide-user.ts'

/**
 * The organization is read, not locked: it is another aggregate, and a membership recorded just
 * as the organization closes is harmless (a closed organization's keys are refused).
 */
async function presenceOf(deps: CommandDeps, organizationId: string): Promise<OrganizationPresence> {
  const { state } = await loadState(deps.store, organizationStream(organizationId), organizationDecider)
  if (state.status === 'Absent') return 'absent'
  return state.status === 'Closed' ? 'closed' : 'open'
}

/** Adds the user to the organization with these roles, or replaces their roles there. */
export async function setMembership(
  deps: CommandDeps,
  input: Omit<SetMembership['data'], 'now'>,
  context: CommandContext,
): Promise<Changed> {
  const organization = await presenceOf(deps, input.organization_id)
  const data = { ...input, now: deps.now().toISOString() }
  return decideUser(deps, { type: 'SetMembership', data, organization }, context)
}

export async function removeMembership(
  deps: CommandDeps,
  input: Omit<RemoveMembership['data'], 'now'>,
  context: CommandContext,
): Promise<Changed> {
  const organization = await presenceOf(deps, input.organization_id)
  const data = { ...input, now: deps.now().toISOString() }
  return decideUser(deps, { type: 'RemoveMembership', data, organization }, context)
}
