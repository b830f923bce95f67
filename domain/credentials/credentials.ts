// A user's credentials: their password, a pending invitation to set it, TOTP and recovery codes,
// and the failed attempts of each factor. One stream per user (`credentials-<user_id>`), apart
// from the user's own stream, so a burst of failed sign-ins never contends with admin changes to
// the user. Secrets never appear in plaintext: the password's argon2id hash and the TOTP secret
// are sealed (domain/secrets/sealed-secret.ts), the invitation token and recovery codes are
// stored as SHA-256 hashes (they are random, so a fast hash is enough).
import { z } from 'zod'
import { sealedSecretSchema } from '../secrets/sealed-secret.ts'
import { type Attempts, NO_FAILURES } from './lockout.ts'

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 hex')
const attemptFailed = z.object({
  user_id: z.string(),
  failures: z.number().int().positive(),
  locked_until: z.string().nullable(),
  at: z.string(),
})

export const credentialEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('InvitationIssued'),
    data: z.object({ user_id: z.string(), token_hash: sha256Hex, expires_at: z.string(), at: z.string() }),
  }),
  z.object({
    type: z.literal('PasswordSet'),
    data: z.object({
      user_id: z.string(),
      /** Names this password, so a verification decided on an older one is refused. */
      password_id: z.string(),
      /** The PHC string of the argon2id hash, sealed. */
      password: sealedSecretSchema,
      /** `rehash`: the same password under stronger hash parameters, at a sign-in. */
      via: z.enum(['admin', 'invitation', 'rehash']),
      at: z.string(),
    }),
  }),
  z.object({ type: z.literal('PasswordAttemptFailed'), data: attemptFailed }),
  z.object({
    type: z.literal('PasswordAttemptsReset'),
    data: z.object({ user_id: z.string(), at: z.string() }),
  }),
  z.object({
    type: z.literal('TotpEnrolmentStarted'),
    data: z.object({
      user_id: z.string(),
      enrolment_id: z.string(),
      secret: sealedSecretSchema,
      at: z.string(),
    }),
  }),
  z.object({
    type: z.literal('TotpConfirmed'),
    data: z.object({
      user_id: z.string(),
      enrolment_id: z.string(),
      /** The time step of the confirming code: it and every earlier step are used. */
      step: z.number().int().nonnegative(),
      recovery_code_hashes: z.array(sha256Hex).min(1),
      at: z.string(),
    }),
  }),
  z.object({
    type: z.literal('TotpCodeAccepted'),
    data: z.object({ user_id: z.string(), enrolment_id: z.string(), step: z.number().int(), at: z.string() }),
  }),
  z.object({
    type: z.literal('RecoveryCodeUsed'),
    data: z.object({ user_id: z.string(), index: z.number().int().nonnegative(), at: z.string() }),
  }),
  z.object({
    type: z.literal('SecondFactorFailed'),
    data: attemptFailed.extend({ reason: z.enum(['invalid', 'replayed']) }),
  }),
  z.object({
    type: z.literal('RecoveryCodesRegenerated'),
    data: z.object({ user_id: z.string(), recovery_code_hashes: z.array(sha256Hex).min(1), at: z.string() }),
  }),
  z.object({ type: z.literal('TotpDisabled'), data: z.object({ user_id: z.string(), at: z.string() }) }),
])

export type CredentialEvent = z.infer<typeof credentialEventSchema>
type Sealed = z.infer<typeof sealedSecretSchema>

export interface RecoveryCode {
  hash: string
  used: boolean
}

export type Totp =
  | { status: 'None' }
  | { status: 'Pending'; enrolment_id: string; secret: Sealed }
  | {
      status: 'Confirmed'
      enrolment_id: string
      secret: Sealed
      /** The last time step accepted: only later steps are accepted (RFC 6238 §5.2). */
      last_step: number
      recovery_codes: readonly RecoveryCode[]
    }

export interface Credentials {
  password: { password_id: string; sealed: Sealed } | null
  invitation: { token_hash: string; expires_at: string } | null
  password_attempts: Attempts
  totp: Totp
  second_factor_attempts: Attempts
}

export const initialState: Credentials = {
  password: null,
  invitation: null,
  password_attempts: NO_FAILURES,
  totp: { status: 'None' },
  second_factor_attempts: NO_FAILURES,
}

const codes = (hashes: readonly string[]): RecoveryCode[] => hashes.map((hash) => ({ hash, used: false }))

function evolveTotp(state: Credentials, event: CredentialEvent): Credentials {
  const { totp } = state
  switch (event.type) {
    case 'TotpEnrolmentStarted':
      return { ...state, totp: { status: 'Pending', ...event.data } }
    case 'TotpConfirmed': {
      if (totp.status === 'None') return state
      const { enrolment_id, step, recovery_code_hashes } = event.data
      const confirmed = {
        enrolment_id,
        secret: totp.secret,
        last_step: step,
        recovery_codes: codes(recovery_code_hashes),
      }
      return { ...state, totp: { status: 'Confirmed', ...confirmed }, second_factor_attempts: NO_FAILURES }
    }
    case 'TotpCodeAccepted':
      if (totp.status !== 'Confirmed') return state
      return { ...state, totp: { ...totp, last_step: event.data.step }, second_factor_attempts: NO_FAILURES }
    case 'RecoveryCodeUsed': {
      if (totp.status !== 'Confirmed') return state
      const recovery_codes = totp.recovery_codes.map((code, i) =>
        i === event.data.index ? { ...code, used: true } : code,
      )
      return { ...state, totp: { ...totp, recovery_codes }, second_factor_attempts: NO_FAILURES }
    }
    case 'RecoveryCodesRegenerated':
      if (totp.status !== 'Confirmed') return state
      return { ...state, totp: { ...totp, recovery_codes: codes(event.data.recovery_code_hashes) } }
    case 'TotpDisabled':
      return { ...state, totp: { status: 'None' }, second_factor_attempts: NO_FAILURES }
    default:
      return state
  }
}

export function evolve(state: Credentials, event: CredentialEvent): Credentials {
  switch (event.type) {
    case 'InvitationIssued':
      return {
        ...state,
        invitation: { token_hash: event.data.token_hash, expires_at: event.data.expires_at },
      }
    case 'PasswordSet': {
      const { password_id, password, via } = event.data
      // The same password re-hashed changes nothing else (a pending invitation stays).
      if (via === 'rehash') return { ...state, password: { password_id, sealed: password } }
      // A new password ends the lock-out: the admin or the invited user has just proved who they are.
      return {
        ...state,
        password: { password_id, sealed: password },
        invitation: null,
        password_attempts: NO_FAILURES,
      }
    }
    case 'PasswordAttemptFailed':
      return {
        ...state,
        password_attempts: { failures: event.data.failures, locked_until: event.data.locked_until },
      }
    case 'PasswordAttemptsReset':
      return { ...state, password_attempts: NO_FAILURES }
    case 'SecondFactorFailed':
      return {
        ...state,
        second_factor_attempts: { failures: event.data.failures, locked_until: event.data.locked_until },
      }
    case 'TotpEnrolmentStarted':
    case 'TotpConfirmed':
    case 'TotpCodeAccepted':
    case 'RecoveryCodeUsed':
    case 'RecoveryCodesRegenerated':
    case 'TotpDisabled':
      return evolveTotp(state, event)
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export const credentialStream = (userId: string): string => `credentials-${userId}`
