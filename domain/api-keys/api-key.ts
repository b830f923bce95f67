// The API key aggregate. Only the key's SHA-256 hash is ever stored, in events and read models
// alike; the secret is shown once, in the response that issued it.
import { z } from 'zod'

export const apiKeyEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ApiKeyIssued'),
    data: z.object({
      api_key_id: z.string(),
      organization_id: z.string(),
      name: z.string(),
      key_hash: z.string(),
      key_prefix: z.string(),
      issued_at: z.string(),
    }),
  }),
])

export type ApiKeyEvent = z.infer<typeof apiKeyEventSchema>

export type ApiKey =
  | { status: 'Absent' }
  | { status: 'Active'; api_key_id: string; organization_id: string; name: string; key_prefix: string }

export const initialState: ApiKey = { status: 'Absent' }

export function evolve(_state: ApiKey, event: ApiKeyEvent): ApiKey {
  switch (event.type) {
    case 'ApiKeyIssued': {
      const { api_key_id, organization_id, name, key_prefix } = event.data
      return { status: 'Active', api_key_id, organization_id, name, key_prefix }
    }
    default: {
      const unknown: never = event.type
      throw new Error(`unknown event ${unknown}`)
    }
  }
}

export const apiKeyStream = (apiKeyId: string): string => `api_key-${apiKeyId}`
