// The audit event of an authorization denial (docs/events.md): who was refused what, on which
// route, and how the refusal was answered. Every denial of gateways/http/authorize.ts records one,
// so a probe of another organization reaches the audit log (and Kafka) as well as the logs.
import { z } from 'zod'

export const accessDeniedSchema = z.object({
  type: z.literal('AccessDenied'),
  data: z
    .object({
      actor: z.string(),
      /** The route's action; null for a route that declares none (platform admins only). */
      action: z.string().nullable(),
      resource_type: z.string().nullable(),
      /** The organization of what was asked for; null: a platform resource, or none found. */
      resource_organization_id: z.string().nullable(),
      /** The route as registered (`/admin/v1/api-keys/:api_key_id`): never an id the caller sent. */
      route: z.string(),
      method: z.string(),
      request_id: z.string(),
      answered: z.enum(['forbidden', 'not_found']),
      /** Denials of the same actor not recorded since its previous AccessDenied (the flood bound). */
      suppressed_before: z.number().int().min(0),
      denied_at: z.string(),
    })
    .strict(),
})

export type AccessDenied = z.infer<typeof accessDeniedSchema>
export type AccessDeniedData = AccessDenied['data']

export const ACCESS_DENIED_SCHEMA_VERSION = 1

/**
 * One platform stream per UTC day: not the organization's, since a denial names a caller of one
 * organization probing another, and an organization's own audit trail must not name outsiders;
 * by day, so no stream grows without end.
 */
export const accessDenialStream = (deniedAt: string): string => `access_denials-${deniedAt.slice(0, 10)}`
