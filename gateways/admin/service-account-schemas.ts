import { z } from 'zod'
import { organizationRole } from '../../domain/users/user.ts'
import { listOf, pageQuery } from '../http/pagination.ts'
import { name } from './context.ts'

// The wire shapes of /admin/v1/service-accounts. A client secret is in the response that created
// or rotated it and nowhere else; its hash is in no response.

export const createBody = z
  .object({
    organization_id: z.uuid(),
    name,
    /** Organization roles only: `platform_admin` is never a service account's. */
    roles: z.array(organizationRole).min(1).max(6),
  })
  .strict()

export const accountParams = z.object({ service_account_id: z.uuid() })

export const listQuery = z
  .object({ organization_id: z.uuid(), status: z.enum(['active', 'revoked']).optional(), ...pageQuery })
  .strict()

const fields = {
  id: z.uuid(),
  object: z.literal('service_account'),
  organization_id: z.uuid(),
  name: z.string(),
  roles: z.array(organizationRole),
  /** The OAuth2 client id (`client_credentials` at /oauth2/token). */
  client_id: z.string(),
  created_at: z.string(),
}

export const serviceAccount = z.object({
  ...fields,
  status: z.enum(['active', 'revoked']),
  rotated_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
})

/** The response that created an account: the account, with its client secret (shown once). */
export const createdAccount = z.object({ ...fields, status: z.literal('active'), client_secret: z.string() })

export const rotatedSecret = z.object({
  id: z.uuid(),
  object: z.literal('service_account'),
  client_id: z.string(),
  client_secret: z.string(),
  rotated_at: z.string(),
})

export const serviceAccountList = listOf(serviceAccount)
