// The API key aggregate. Only the key's SHA-256 hash is ever stored, in events and read models
// alike; the secret is shown once, in the response that issued (or rotated) it.
import { z } from 'zod'
import { sealedSecretSchema } from '../secrets/sealed-secret.ts'

/** What an admin chooses for a key when issuing it, beyond its name. */
export interface ApiKeyOptions {
  /** Model names the key may call; null allows every model. */
  allowed_models: string[] | null
  rpm_limit: number | null
  tpm_limit: number | null
  expires_at: string | null
  owner_user_id: string | null
  require_signature: boolean
}

/** Most a rotated-out secret keeps working: 7 days. */
export const MAX_GRACE_SECONDS = 7 * 24 * 3600

// ApiKeyIssued v2 added the limits, models, expiry, owner and signature fields; a v1 event (no
// such fields) reads as a key with none of them, which is what it was.
const issued = z.object({
  type: z.literal('ApiKeyIssued'),
  data: z.object({
    api_key_id: z.string(),
    organization_id: z.string(),
    name: z.string(),
    key_hash: z.string(),
    key_prefix: z.string(),
    allowed_models: z.array(z.string()).nullable().default(null),
    rpm_limit: z.number().int().positive().nullable().default(null),
    tpm_limit: z.number().int().positive().nullable().default(null),
    expires_at: z.string().nullable().default(null),
    owner_user_id: z.string().nullable().default(null),
    require_signature: z.boolean().default(false),
    issued_at: z.string(),
  }),
})

const revoked = z.object({
  type: z.literal('ApiKeyRevoked'),
  data: z.object({ api_key_id: z.string(), organization_id: z.string(), revoked_at: z.string() }),
})

const rotated = z.object({
  type: z.literal('ApiKeyRotated'),
  data: z.object({
    api_key_id: z.string(),
    organization_id: z.string(),
    key_hash: z.string(),
    key_prefix: z.string(),
    previous_key_hash: z.string(),
    /** When the previous secret stops working (rotated_at + grace_seconds). */
    previous_valid_until: z.string(),
    rotated_at: z.string(),
  }),
})

// The key's request-signing secret (docs/routing.md, Request signing), sealed (ADR 0010): set at
// issue for a key that requires signatures, and replaced by each rotation of it (no grace).
const signingSecretSet = z.object({
  type: z.literal('ApiKeySigningSecretSet'),
  data: z.object({
    api_key_id: z.string(),
    organization_id: z.string(),
    signing_secret: sealedSecretSchema,
    set_at: z.string(),
  }),
})

export const apiKeyEventSchema = z.discriminatedUnion('type', [issued, revoked, rotated, signingSecretSet])

export type ApiKeyEvent = z.infer<typeof apiKeyEventSchema>

interface KeyFields {
  api_key_id: string
  organization_id: string
  name: string
  key_hash: string
  key_prefix: string
}

export type ApiKey =
  | { status: 'Absent' }
  | ({ status: 'Active' } & KeyFields)
  | ({ status: 'Revoked'; revoked_at: string } & KeyFields)

export const initialState: ApiKey = { status: 'Absent' }

export function evolve(state: ApiKey, event: ApiKeyEvent): ApiKey {
  switch (event.type) {
    case 'ApiKeyIssued': {
      const { api_key_id, organization_id, name, key_hash, key_prefix } = event.data
      return { status: 'Active', api_key_id, organization_id, name, key_hash, key_prefix }
    }
    case 'ApiKeyRevoked':
      return state.status === 'Active'
        ? { ...state, status: 'Revoked', revoked_at: event.data.revoked_at }
        : state
    case 'ApiKeyRotated': {
      const { key_hash, key_prefix } = event.data
      return state.status === 'Active' ? { ...state, key_hash, key_prefix } : state
    }
    case 'ApiKeySigningSecretSet':
      return state
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export const apiKeyStream = (apiKeyId: string): string => `api_key-${apiKeyId}`
