import { z } from 'zod'
import { organizationRole } from '../../domain/users/user.ts'
import { listOf, pageQuery } from '../http/pagination.ts'
import { name } from './context.ts'

// The wire shapes of /users and /organizations/{id}/members: they validate requests and, through
// the OpenAPI generator, document them.

/** RFC 5321 caps a path at 256 octets, so an address at 254 characters. */
const email = z.email().max(254)

export const userParams = z.object({ user_id: z.uuid() })
export const memberParams = z.object({ organization_id: z.uuid(), user_id: z.uuid() })

export const createBody = z
  .object({
    email,
    display_name: name,
    /** true: the user is `invited` until their first sign-in; false (default): `active`. */
    invite: z.boolean().default(false),
  })
  .strict()

export const patchBody = z
  .object({
    display_name: name.optional(),
    /** Disabling is final in this API; the sign-in issue decides how a user comes back. */
    status: z.literal('disabled').optional(),
    platform_admin: z.boolean().optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'give at least one of display_name, status, platform_admin',
  })

export const listQuery = z
  .object({
    ...pageQuery,
    organization_id: z.uuid().optional(),
    status: z.enum(['active', 'invited', 'disabled']).optional(),
  })
  .strict()

/** Empty is valid here and refused by the domain with ROLES_EMPTY (422), a stable code. */
export const membershipBody = z.object({ roles: z.array(organizationRole).max(32) }).strict()

const membershipFields = { organization_id: z.uuid(), roles: z.array(organizationRole) }

export const membership = z.object({
  object: z.literal('membership'),
  user_id: z.uuid(),
  ...membershipFields,
})

export const user = z.object({
  id: z.uuid(),
  object: z.literal('user'),
  email: z.string(),
  display_name: z.string(),
  status: z.enum(['active', 'invited', 'disabled']),
  platform_admin: z.boolean(),
  created_at: z.string(),
  memberships: z.array(z.object(membershipFields)),
})

export const userList = listOf(user)
