import { z } from 'zod'
import { MAX_GRACE_SECONDS } from '../../domain/api-keys/api-key.ts'
import { listOf, pageQuery } from '../http/pagination.ts'
import { nameText } from '../http/text.ts'
import { name } from './context.ts'

// The wire shapes of /admin/v1/api-keys. A key's secret is in the response that issued or
// rotated it and nowhere else; its hash is in no response.

/** The most a key's own limits may be: far above any real need, well inside PostgreSQL's integer. */
export const MAX_KEY_RPM = 1_000_000
export const MAX_KEY_TPM = 1_000_000_000
/** The most models one key may list. */
export const MAX_ALLOWED_MODELS = 100
/** Keys expire before this (beyond it a date is a typo, and some PostgreSQL refuses). */
const LATEST_EXPIRY = '2100-01-01T00:00:00Z'

const modelName = nameText(200)
const instant = z.iso
  .datetime({ offset: true })
  .refine((s) => Date.parse(s) < Date.parse(LATEST_EXPIRY), { message: `must be before ${LATEST_EXPIRY}` })

export const issueBody = z
  .object({
    organization_id: z.uuid(),
    name,
    /** Model names the key may call; null or absent: every model. */
    allowed_models: z.array(modelName).max(MAX_ALLOWED_MODELS).nullable().optional(),
    rpm_limit: z.number().int().min(1).max(MAX_KEY_RPM).nullable().optional(),
    tpm_limit: z.number().int().min(1).max(MAX_KEY_TPM).nullable().optional(),
    expires_at: instant.nullable().optional(),
    owner_user_id: z.uuid().nullable().optional(),
    require_signature: z.boolean().optional(),
  })
  .strict()

export const rotateBody = z.object({ grace_seconds: z.number().int().min(0).max(MAX_GRACE_SECONDS) }).strict()

export const keyParams = z.object({ api_key_id: z.uuid() })

export const listQuery = z
  .object({ organization_id: z.uuid(), status: z.enum(['active', 'revoked']).optional(), ...pageQuery })
  .strict()

const fields = {
  id: z.uuid(),
  object: z.literal('api_key'),
  organization_id: z.uuid(),
  name: z.string(),
  key_prefix: z.string(),
  allowed_models: z.array(z.string()).nullable(),
  rpm_limit: z.number().nullable(),
  tpm_limit: z.number().nullable(),
  expires_at: z.string().nullable(),
  owner_user_id: z.string().nullable(),
  require_signature: z.boolean(),
  created_at: z.string(),
}

export const apiKey = z.object({
  ...fields,
  status: z.enum(['active', 'revoked']),
  revoked_at: z.string().nullable(),
  rotated_at: z.string().nullable(),
  /** When its request-signing secret was last set; null: it has none. */
  signing_secret_set_at: z.string().nullable(),
})

/**
 * The response that issued a key: the key, with its secret, and the signing secret of a key that
 * requires signatures (null for any other: POST /api-keys/{id}/rotate-signing-secret gives one).
 */
export const issuedKey = z.object({
  ...fields,
  status: z.literal('active'),
  key: z.string(),
  signing_secret: z.string().nullable(),
})

/** The response that set a key's signing secret: the secret, shown here only. */
export const rotatedSigningSecret = z.object({
  id: z.uuid(),
  object: z.literal('api_key'),
  organization_id: z.uuid(),
  signing_secret: z.string(),
  signing_secret_set_at: z.string(),
})

export const rotatedKey = z.object({
  id: z.uuid(),
  object: z.literal('api_key'),
  organization_id: z.uuid(),
  key: z.string(),
  key_prefix: z.string(),
  /** When the replaced secret stops working. */
  previous_key_valid_until: z.string(),
  rotated_at: z.string(),
})

export const apiKeyList = listOf(apiKey)
