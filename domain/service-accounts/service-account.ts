// The service account aggregate: a machine's identity in one organization, with organization
// roles, and the OAuth2 client it signs in as (client_credentials). Only the SHA-256 of its client
// secret is ever stored, in events and read models alike; the secret is shown once, in the
// response that created or rotated it (docs/adr/0015-oidc-issuer.md says why a fast hash is enough).
import { z } from 'zod'
import { organizationRole } from '../users/user.ts'

const roles = z.array(organizationRole).min(1)

const created = z.object({
  type: z.literal('ServiceAccountCreated'),
  data: z.object({
    service_account_id: z.string(),
    organization_id: z.string(),
    name: z.string(),
    roles,
    client_id: z.string(),
    secret_hash: z.string(),
    created_at: z.string(),
  }),
})

const rotated = z.object({
  type: z.literal('ServiceAccountSecretRotated'),
  data: z.object({
    service_account_id: z.string(),
    organization_id: z.string(),
    secret_hash: z.string(),
    rotated_at: z.string(),
  }),
})

const revoked = z.object({
  type: z.literal('ServiceAccountRevoked'),
  data: z.object({ service_account_id: z.string(), organization_id: z.string(), revoked_at: z.string() }),
})

export const serviceAccountEventSchema = z.discriminatedUnion('type', [created, rotated, revoked])

export type ServiceAccountEvent = z.infer<typeof serviceAccountEventSchema>

type Created = Extract<ServiceAccountEvent, { type: 'ServiceAccountCreated' }>['data']
type AccountFields = Omit<Created, 'created_at'>

export type ServiceAccount =
  | { status: 'Absent' }
  | ({ status: 'Active' } & AccountFields)
  | ({ status: 'Revoked'; revoked_at: string } & AccountFields)

export const initialState: ServiceAccount = { status: 'Absent' }

export function evolve(state: ServiceAccount, event: ServiceAccountEvent): ServiceAccount {
  switch (event.type) {
    case 'ServiceAccountCreated': {
      const { created_at: _at, ...fields } = event.data
      return { status: 'Active', ...fields }
    }
    case 'ServiceAccountSecretRotated':
      return state.status === 'Active' ? { ...state, secret_hash: event.data.secret_hash } : state
    case 'ServiceAccountRevoked':
      return state.status === 'Active'
        ? { ...state, status: 'Revoked', revoked_at: event.data.revoked_at }
        : state
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export const serviceAccountStream = (id: string): string => `service_account-${id}`
