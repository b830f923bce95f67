import { describe, expect, it } from 'vitest'
import type { OrganizationPresence, UserCommand } from '../../../domain/users/decide.ts'
import { userDecider } from '../../../domain/users/decider.ts'
import { evolve, initialState, type OrganizationRole, type UserEvent } from '../../../domain/users/user.ts'
import { specFor } from '../../support/decider.ts'

const given = specFor(userDecider)
const user_id = '0190a8e2-0000-7000-8000-0000000000u1'
const organization_id = '0190a8e2-0000-7000-8000-0000000000o1'
const now = '2026-11-26T10:00:00.000Z'
const person = { user_id, email: 'Ada@Example.com', display_name: 'Ada', created_at: now }
const created: UserEvent = { type: 'UserCreated', data: person }
const invited: UserEvent = { type: 'UserInvited', data: person }
const disabled: UserEvent = { type: 'UserDisabled', data: { user_id, disabled_at: now } }
const added = (roles: OrganizationRole[]): UserEvent => ({
  type: 'MembershipAdded',
  data: { user_id, organization_id, roles, at: now },
})

const create = (invite: boolean): UserCommand => ({
  type: 'CreateUser',
  data: { user_id, email: 'Ada@Example.com', display_name: 'Ada', invite, now },
})
const setMembership = (
  roles: OrganizationRole[],
  organization: OrganizationPresence = 'open',
): UserCommand => ({
  type: 'SetMembership',
  data: { user_id, organization_id, roles, now },
  organization,
})
const remove: UserCommand = {
  type: 'RemoveMembership',
  data: { user_id, organization_id, now },
  organization: 'open',
}
const update = (fields: {
  display_name?: string
  disabled?: true
  platform_admin?: boolean
}): UserCommand => ({
  type: 'UpdateUser',
  data: { user_id, now, ...fields },
})

describe('user decider: create and invite', () => {
  it('creates an active user, or invites one', () => {
    given([]).when(create(false)).then([created])
    given([]).when(create(true)).then([invited])
  })

  it('activates an invited user at the first sign-in, once; an active user records nothing', () => {
    const activate: UserCommand = { type: 'ActivateUser', data: { user_id, now } }
    const activated: UserEvent = { type: 'UserActivated', data: { user_id, activated_at: now } }
    given([invited]).when(activate).then([activated])
    given([invited, activated]).when(activate).then([])
    given([created]).when(activate).then([])
    given([invited, disabled]).when(activate).thenThrows('USER_DISABLED')
    given([]).when(activate).thenThrows('USER_NOT_FOUND')
    expect([invited, activated].reduce(evolve, initialState).status).toBe('Active')
  })

  it('refuses to create the same user twice', () => {
    given([created]).when(create(true)).thenThrows('USER_ALREADY_EXISTS')
  })

  it('evolves to Active or Invited with no memberships and no platform role', () => {
    expect(evolve(initialState, created)).toEqual({
      status: 'Active',
      ...person,
      platform_admin: false,
      memberships: {},
    })
    expect(evolve(initialState, invited)).toMatchObject({ status: 'Invited' })
  })
})

describe('user decider: display name, disable, platform admin', () => {
  const rename = (display_name: string): UserCommand => ({
    type: 'ChangeDisplayName',
    data: { user_id, display_name, now },
  })

  it('changes the display name, and records nothing when it is unchanged', () => {
    given([created])
      .when(rename('Ada L.'))
      .then([{ type: 'UserDisplayNameChanged', data: { user_id, display_name: 'Ada L.', changed_at: now } }])
    given([created]).when(rename('Ada')).then([])
  })

  it('refuses changes to a user that does not exist', () => {
    given([]).when(rename('x')).thenThrows('USER_NOT_FOUND')
    given([]).when({ type: 'DisableUser', data: { user_id, now } }).thenThrows('USER_NOT_FOUND')
    given([])
      .when(update({ display_name: 'x' }))
      .thenThrows('USER_NOT_FOUND')
    given([]).when(remove).thenThrows('USER_NOT_FOUND')
  })

  it('disables a user once (a repeated disable records nothing), invited users too', () => {
    given([created]).when({ type: 'DisableUser', data: { user_id, now } }).then([disabled])
    given([invited]).when({ type: 'DisableUser', data: { user_id, now } }).then([disabled])
    given([created, disabled]).when({ type: 'DisableUser', data: { user_id, now } }).then([])
  })

  it('refuses to rename, grant a role or add a membership to a disabled user', () => {
    given([created, disabled]).when(rename('Ada L.')).thenThrows('USER_DISABLED')
    given([created, disabled])
      .when(update({ platform_admin: true }))
      .thenThrows('USER_DISABLED')
    given([created, disabled])
      .when(setMembership(['member']))
      .thenThrows('USER_DISABLED')
  })

  it('grants and revokes platform_admin; revoking from a disabled user is allowed', () => {
    const granted: UserEvent = { type: 'PlatformAdminGranted', data: { user_id, at: now } }
    given([created])
      .when(update({ platform_admin: true }))
      .then([granted])
    given([created, granted])
      .when(update({ platform_admin: true }))
      .then([])
    given([created, granted, disabled])
      .when(update({ platform_admin: false }))
      .then([{ type: 'PlatformAdminRevoked', data: { user_id, at: now } }])
    given([created])
      .when(update({ platform_admin: false }))
      .then([])
  })

  it('decides a PATCH as one batch: rename and grant before the disable', () => {
    given([created])
      .when(update({ display_name: 'Ada L.', platform_admin: true, disabled: true }))
      .then([
        { type: 'UserDisplayNameChanged', data: { user_id, display_name: 'Ada L.', changed_at: now } },
        { type: 'PlatformAdminGranted', data: { user_id, at: now } },
        disabled,
      ])
  })
})

describe('user decider: memberships', () => {
  it('adds a membership with its roles in one canonical order, without duplicates', () => {
    given([created])
      .when(setMembership(['member', 'org_owner', 'member']))
      .then([added(['org_owner', 'member'])])
  })

  it('changes the roles of a member; the same roles in another order record nothing', () => {
    given([created, added(['member'])])
      .when(setMembership(['analyst']))
      .then([
        { type: 'MembershipRolesChanged', data: { user_id, organization_id, roles: ['analyst'], at: now } },
      ])
    given([created, added(['org_owner', 'member'])])
      .when(setMembership(['member', 'org_owner']))
      .then([])
  })

  it('invited users can be given memberships before they sign in', () => {
    given([invited])
      .when(setMembership(['member']))
      .then([added(['member'])])
  })

  it('refuses an empty role list, an unknown or closed organization and an unknown user', () => {
    given([created]).when(setMembership([])).thenThrows('ROLES_EMPTY')
    given([created])
      .when(setMembership(['member'], 'absent'))
      .thenThrows('ORG_NOT_FOUND')
    given([created])
      .when(setMembership(['member'], 'closed'))
      .thenThrows('ORG_CLOSED')
    given([])
      .when(setMembership(['member']))
      .thenThrows('USER_NOT_FOUND')
  })

  it('removes a member, also a disabled one or from a closed organization; refuses a non-member', () => {
    const removed: UserEvent = { type: 'MembershipRemoved', data: { user_id, organization_id, at: now } }
    given([created, added(['member'])])
      .when(remove)
      .then([removed])
    given([created, added(['member']), disabled])
      .when(remove)
      .then([removed])
    given([created, added(['member'])])
      .when({ ...remove, organization: 'closed' })
      .then([removed])
    given([created]).when(remove).thenThrows('NOT_A_MEMBER')
    given([created, added(['member'])])
      .when({ ...remove, organization: 'absent' })
      .thenThrows('ORG_NOT_FOUND')
    given([created, added(['member']), removed])
      .when(remove)
      .thenThrows('NOT_A_MEMBER')
  })

  it('evolves memberships per organization', () => {
    const other = '0190a8e2-0000-7000-8000-0000000000o2'
    const events: UserEvent[] = [
      created,
      added(['member']),
      { type: 'MembershipAdded', data: { user_id, organization_id: other, roles: ['auditor'], at: now } },
      { type: 'MembershipRemoved', data: { user_id, organization_id, at: now } },
    ]
    expect(events.reduce(evolve, initialState)).toMatchObject({ memberships: { [other]: ['auditor'] } })
  })
})
