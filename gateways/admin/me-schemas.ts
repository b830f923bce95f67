import { z } from 'zod'
import { ACTIONS } from '../../domain/authorization/actions.ts'
import { ORGANIZATION_ROLES } from '../../domain/users/user.ts'

// Wire shape of GET /admin/v1/me: who the caller is and what the policy lets it do, so a client
// (the console) shows only what the APIs would allow.

const action = z.enum(ACTIONS)

export const me = z.object({
  object: z.literal('me'),
  user: z.object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
  }),
  kind: z.enum(['bootstrap', 'user', 'service_account']),
  platform_admin: z.boolean(),
  organizations: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      roles: z.array(z.enum(ORGANIZATION_ROLES)),
      /** Every action the policy allows the caller on this organization's resources (its own keys too). */
      actions: z.array(action),
    }),
  ),
  /** Actions on platform resources (the model catalogue, users, the organization list). */
  platform_actions: z.array(action),
})
