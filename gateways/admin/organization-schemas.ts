import { z } from 'zod'
import { isTimeZone } from '../../domain/organizations/settings.ts'
import { listOf, pageQuery } from '../http/pagination.ts'
import { nameText } from '../http/text.ts'
import { name } from './context.ts'

// The wire shapes of /admin/v1/organizations.

/** The most models an organization's allow-list may hold. */
export const MAX_ORG_ALLOWED_MODELS = 256
/** The longest suspension reason: a sentence for the audit trail, not a document. */
export const MAX_SUSPEND_REASON = 500

const timezone = z
  .string()
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone, e.g. "Europe/Paris" or "UTC"')

const settingsPatch = z
  .object({
    timezone: timezone.optional(),
    /** Model names its keys may call; null: every model; []: none. */
    allowed_models: z.array(nameText(200)).max(MAX_ORG_ALLOWED_MODELS).nullable().optional(),
    mfa_required: z.boolean().optional(),
    // Shape only here: the decider's own checks answer 422 ORG_LIMIT_INVALID /
    // ORG_WEBHOOK_URL_INVALID with a clear code (docs/errors.md).
    /** Requests / tokens per minute across all its keys; null: none. */
    rpm_limit: z.number().nullable().optional(),
    tpm_limit: z.number().nullable().optional(),
    /** When the spend ledger cannot answer: false refuses with 503, true admits without limits. */
    limits_fail_open: z.boolean().optional(),
    /** https (or http to loopback); null: no budget alert webhook. */
    budget_alert_webhook_url: z.string().max(4096).nullable().optional(),
  })
  .strict()

export const createBody = z.object({ name }).strict()

export const patchBody = z.object({ name: name.optional(), settings: settingsPatch.optional() }).strict()

export const suspendBody = z.object({ reason: nameText(MAX_SUSPEND_REASON, { trim: true }) }).strict()

/** Reactivate and close take no fields; the body may be absent (fastify then has null). */
export const emptyBody = z.object({}).strict().nullish()

export const orgParams = z.object({ organization_id: z.uuid() })

export const listQuery = z
  .object({
    ...pageQuery,
    status: z.enum(['active', 'suspended', 'closed']).optional(),
  })
  .strict()

export const organization = z.object({
  id: z.uuid(),
  object: z.literal('organization'),
  name: z.string(),
  created_at: z.string(),
  status: z.enum(['active', 'suspended', 'closed']),
  /** Why it is suspended; null unless it is. */
  suspended_reason: z.string().nullable(),
  settings: z.object({
    timezone: z.string(),
    allowed_models: z.array(z.string()).nullable(),
    mfa_required: z.boolean(),
    rpm_limit: z.number().int().nullable(),
    tpm_limit: z.number().int().nullable(),
    limits_fail_open: z.boolean(),
    budget_alert_webhook_url: z.string().nullable(),
  }),
  monthly_limit_usd: z.number().nullable(),
})

export const organizationList = listOf(organization)
