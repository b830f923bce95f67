import { z } from 'zod'
import { PASSWORD_MAX_LENGTH } from '../../domain/credentials/password-policy.ts'

// The wire shapes of a user's credentials. The length rule itself (12..128 code points after
// NFKC) is the domain's; this bound only keeps absurd bodies out before hashing.

export const userParams = z.object({ user_id: z.uuid() })
export const invitationParams = z.object({ token: z.string().min(1).max(200) })

export const passwordBody = z
  .object({
    password: z
      .string()
      .min(1)
      .max(PASSWORD_MAX_LENGTH * 4),
  })
  .strict()
export const confirmBody = z.object({ code: z.string().regex(/^\d{6}$/, 'six digits') }).strict()

export const invitation = z.object({
  object: z.literal('invitation'),
  user_id: z.uuid(),
  /** Shown once: it sets the user's password at POST /invitations/{token}/password. */
  token: z.string(),
  expires_at: z.string(),
})

export const totpEnrolment = z.object({
  object: z.literal('totp_enrolment'),
  user_id: z.uuid(),
  /** Shown once: the shared secret is in it. */
  otpauth_uri: z.string(),
  /** The same URI as a QR code: a PNG data URL. */
  qr: z.string(),
})

export const recoveryCodes = z.object({
  object: z.literal('recovery_codes'),
  user_id: z.uuid(),
  /** Shown once, each usable once; only their hashes are kept. */
  recovery_codes: z.array(z.string()),
})
