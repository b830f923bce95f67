import { AppError } from '../errors.ts'
import {
  canonicalRoles,
  type ExistingUser,
  evolve,
  type OrganizationRole,
  type User,
  type UserEvent,
} from './user.ts'

// Commands carry everything a decision needs (ids, time, the organization's state): the decider
// stays pure.

/** What a membership command needs to know of the organization, read from its stream. */
export type OrganizationPresence = 'absent' | 'open' | 'closed'

export interface CreateUser {
  type: 'CreateUser'
  /** `invite` records UserInvited: the user is Invited until their first sign-in. */
  data: { user_id: string; email: string; display_name: string; invite: boolean; now: string }
}
export interface ChangeDisplayName {
  type: 'ChangeDisplayName'
  data: { user_id: string; display_name: string; now: string }
}
/** The first successful sign-in of an invited user. */
export interface ActivateUser {
  type: 'ActivateUser'
  data: { user_id: string; now: string }
}
export interface DisableUser {
  type: 'DisableUser'
  data: { user_id: string; now: string }
}
export interface SetPlatformAdmin {
  type: 'SetPlatformAdmin'
  data: { user_id: string; platform_admin: boolean; now: string }
}
/** Adds the user to the organization with these roles, or replaces the roles they have there. */
export interface SetMembership {
  type: 'SetMembership'
  data: { user_id: string; organization_id: string; roles: readonly OrganizationRole[]; now: string }
  organization: OrganizationPresence
}
export interface RemoveMembership {
  type: 'RemoveMembership'
  data: { user_id: string; organization_id: string; now: string }
  organization: OrganizationPresence
}
/** PATCH: every change given, decided together and recorded in one append (all or nothing). */
export interface UpdateUser {
  type: 'UpdateUser'
  data: { user_id: string; now: string; display_name?: string; disabled?: true; platform_admin?: boolean }
}

export type UserCommand =
  | CreateUser
  | ChangeDisplayName
  | ActivateUser
  | DisableUser
  | SetPlatformAdmin
  | SetMembership
  | RemoveMembership
  | UpdateUser

function existing(state: User, userId: string): ExistingUser {
  if (state.status === 'Absent') throw new AppError('USER_NOT_FOUND', 'no such user', { user_id: userId })
  return state
}

/** Refuses what would give a disabled user more (a name, roles); taking away is always allowed. */
function enabled(state: User, userId: string): ExistingUser {
  const user = existing(state, userId)
  if (user.status === 'Disabled') {
    throw new AppError('USER_DISABLED', 'the user is disabled', { user_id: userId })
  }
  return user
}

function createUser(command: CreateUser, state: User): UserEvent[] {
  const { user_id, email, display_name, invite, now } = command.data
  if (state.status !== 'Absent') {
    throw new AppError('USER_ALREADY_EXISTS', 'the user already exists', { user_id })
  }
  const data = { user_id, email, display_name, created_at: now }
  return [invite ? { type: 'UserInvited', data } : { type: 'UserCreated', data }]
}

function changeDisplayName(command: ChangeDisplayName, state: User): UserEvent[] {
  const { user_id, display_name, now } = command.data
  // The name it already has changes nothing, so a retried request adds no event.
  if (enabled(state, user_id).display_name === display_name) return []
  return [{ type: 'UserDisplayNameChanged', data: { user_id, display_name, changed_at: now } }]
}

function activateUser(command: ActivateUser, state: User): UserEvent[] {
  const { user_id, now } = command.data
  // Only an invited user changes; an active one records nothing, so every sign-in may ask.
  if (enabled(state, user_id).status !== 'Invited') return []
  return [{ type: 'UserActivated', data: { user_id, activated_at: now } }]
}

function disableUser(command: DisableUser, state: User): UserEvent[] {
  const { user_id, now } = command.data
  if (existing(state, user_id).status === 'Disabled') return []
  return [{ type: 'UserDisabled', data: { user_id, disabled_at: now } }]
}

function setPlatformAdmin(command: SetPlatformAdmin, state: User): UserEvent[] {
  const { user_id, platform_admin, now } = command.data
  const user = platform_admin ? enabled(state, user_id) : existing(state, user_id)
  if (user.platform_admin === platform_admin) return []
  const data = { user_id, at: now }
  return [platform_admin ? { type: 'PlatformAdminGranted', data } : { type: 'PlatformAdminRevoked', data }]
}

function organizationExists(command: SetMembership | RemoveMembership): void {
  if (command.organization === 'absent') {
    const { organization_id } = command.data
    throw new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id })
  }
}

function setMembership(command: SetMembership, state: User): UserEvent[] {
  const { user_id, organization_id, now } = command.data
  organizationExists(command)
  // A closed organization refuses every command; removing a member from it is still allowed.
  if (command.organization === 'closed') {
    throw new AppError('ORG_CLOSED', 'the organization is closed', { organization_id })
  }
  const user = enabled(state, user_id)
  if (command.data.roles.length === 0) {
    throw new AppError('ROLES_EMPTY', 'a membership needs at least one role; remove the member instead', {
      organization_id,
      user_id,
    })
  }
  const roles = canonicalRoles(command.data.roles)
  const current = user.memberships[organization_id]
  if (current && current.join() === roles.join()) return []
  const data = { user_id, organization_id, roles, at: now }
  return [current ? { type: 'MembershipRolesChanged', data } : { type: 'MembershipAdded', data }]
}

function removeMembership(command: RemoveMembership, state: User): UserEvent[] {
  const { user_id, organization_id, now } = command.data
  organizationExists(command)
  if (!existing(state, user_id).memberships[organization_id]) {
    throw new AppError('NOT_A_MEMBER', 'the user is not a member of the organization', {
      organization_id,
      user_id,
    })
  }
  return [{ type: 'MembershipRemoved', data: { user_id, organization_id, at: now } }]
}

function updateUser(command: UpdateUser, state: User): UserEvent[] {
  const { user_id, now, display_name, disabled, platform_admin } = command.data
  existing(state, user_id)
  // Renames and grants are decided before a disable in the same request, so
  // {"display_name", "status": "disabled"} renames then disables rather than refusing.
  const steps: UserCommand[] = [
    ...(display_name === undefined
      ? []
      : [{ type: 'ChangeDisplayName' as const, data: { user_id, display_name, now } }]),
    ...(platform_admin === undefined
      ? []
      : [{ type: 'SetPlatformAdmin' as const, data: { user_id, platform_admin, now } }]),
    ...(disabled ? [{ type: 'DisableUser' as const, data: { user_id, now } }] : []),
  ]
  const events: UserEvent[] = []
  let current = state
  for (const step of steps) {
    const decided = decide(step, current)
    events.push(...decided)
    current = decided.reduce(evolve, current)
  }
  return events
}

export function decide(command: UserCommand, state: User): UserEvent[] {
  switch (command.type) {
    case 'CreateUser':
      return createUser(command, state)
    case 'ChangeDisplayName':
      return changeDisplayName(command, state)
    case 'ActivateUser':
      return activateUser(command, state)
    case 'DisableUser':
      return disableUser(command, state)
    case 'SetPlatformAdmin':
      return setPlatformAdmin(command, state)
    case 'SetMembership':
      return setMembership(command, state)
    case 'RemoveMembership':
      return removeMembership(command, state)
    case 'UpdateUser':
      return updateUser(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}
