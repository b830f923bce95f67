// The user aggregate: a person's identity (email, display name, status), their memberships in
// organizations with roles, and the platform-wide `platform_admin` role. Memberships live on the
// user's stream (docs/adr/0009-email-reservation.md says why): a user's status and their
// memberships are decided together, so a disabled user can never be given a role.
// Event data is snake_case and stored as-is (docs/events.md).
import { z } from 'zod'

/** Roles inside one organization; `platform_admin` is platform-wide and never one of these. */
export const ORGANIZATION_ROLES = [
  'org_owner',
  'org_admin',
  'billing_admin',
  'analyst',
  'auditor',
  'member',
] as const
export const organizationRole = z.enum(ORGANIZATION_ROLES)
export type OrganizationRole = z.infer<typeof organizationRole>

const roles = z.array(organizationRole).min(1)
const created = z.object({
  user_id: z.string(),
  email: z.string(),
  display_name: z.string(),
  created_at: z.string(),
})
const membership = z.object({ user_id: z.string(), organization_id: z.string(), roles, at: z.string() })

export const userEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('UserCreated'), data: created }),
  z.object({ type: z.literal('UserInvited'), data: created }),
  z.object({
    type: z.literal('UserDisplayNameChanged'),
    data: z.object({ user_id: z.string(), display_name: z.string(), changed_at: z.string() }),
  }),
  z.object({
    type: z.literal('UserActivated'),
    data: z.object({ user_id: z.string(), activated_at: z.string() }),
  }),
  z.object({
    type: z.literal('UserDisabled'),
    data: z.object({ user_id: z.string(), disabled_at: z.string() }),
  }),
  z.object({ type: z.literal('MembershipAdded'), data: membership }),
  z.object({ type: z.literal('MembershipRolesChanged'), data: membership }),
  z.object({
    type: z.literal('MembershipRemoved'),
    data: z.object({ user_id: z.string(), organization_id: z.string(), at: z.string() }),
  }),
  z.object({
    type: z.literal('PlatformAdminGranted'),
    data: z.object({ user_id: z.string(), at: z.string() }),
  }),
  z.object({
    type: z.literal('PlatformAdminRevoked'),
    data: z.object({ user_id: z.string(), at: z.string() }),
  }),
])

export type UserEvent = z.infer<typeof userEventSchema>

export interface UserFields {
  user_id: string
  email: string
  display_name: string
  created_at: string
  platform_admin: boolean
  /** organization_id → roles, in the canonical order of ORGANIZATION_ROLES. */
  memberships: Readonly<Record<string, readonly OrganizationRole[]>>
}

/** Invited users become Active when they first sign in (UserActivated). */
export type User =
  | { status: 'Absent' }
  | ({ status: 'Active' } & UserFields)
  | ({ status: 'Invited' } & UserFields)
  | ({ status: 'Disabled' } & UserFields)

export type ExistingUser = Exclude<User, { status: 'Absent' }>

export const initialState: User = { status: 'Absent' }

/** One order for roles, so equal role sets compare equal and a retry records nothing. */
export const canonicalRoles = (given: readonly OrganizationRole[]): OrganizationRole[] =>
  ORGANIZATION_ROLES.filter((role) => given.includes(role))

function withMembership(state: User, organizationId: string, next: readonly OrganizationRole[] | null): User {
  if (state.status === 'Absent') return state
  const { [organizationId]: _previous, ...others } = state.memberships
  return { ...state, memberships: next === null ? others : { ...others, [organizationId]: next } }
}

function evolveExisting(state: User, event: UserEvent): User {
  if (state.status === 'Absent') return state
  switch (event.type) {
    case 'UserDisplayNameChanged':
      return { ...state, display_name: event.data.display_name }
    case 'UserActivated':
      return state.status === 'Invited' ? { ...state, status: 'Active' } : state
    case 'UserDisabled':
      return { ...state, status: 'Disabled' }
    case 'MembershipAdded':
    case 'MembershipRolesChanged':
      return withMembership(state, event.data.organization_id, event.data.roles)
    case 'MembershipRemoved':
      return withMembership(state, event.data.organization_id, null)
    case 'PlatformAdminGranted':
      return { ...state, platform_admin: true }
    case 'PlatformAdminRevoked':
      return { ...state, platform_admin: false }
    default:
      return state
  }
}

export function evolve(state: User, event: UserEvent): User {
  switch (event.type) {
    case 'UserCreated':
    case 'UserInvited':
      return {
        status: event.type === 'UserCreated' ? 'Active' : 'Invited',
        ...event.data,
        platform_admin: false,
        memberships: {},
      }
    case 'UserDisplayNameChanged':
    case 'UserActivated':
    case 'UserDisabled':
    case 'MembershipAdded':
    case 'MembershipRolesChanged':
    case 'MembershipRemoved':
    case 'PlatformAdminGranted':
    case 'PlatformAdminRevoked':
      return evolveExisting(state, event)
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export const userStream = (userId: string): string => `user-${userId}`
