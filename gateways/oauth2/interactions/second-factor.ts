import { confirmTotp } from '../../../commands/credentials/confirm-totp.ts'
import { enrolTotp, TOTP_ISSUER } from '../../../commands/credentials/enrol-totp.ts'
import { verifySecondFactor } from '../../../commands/credentials/verify-second-factor.ts'
import { type CommandContext, loadState } from '../../../commands/handle-command.ts'
import { credentialStream } from '../../../domain/credentials/credentials.ts'
import { credentialDecider } from '../../../domain/credentials/decider.ts'
import { AppError } from '../../../domain/errors.ts'
import { totpQrDataUrl, totpUri } from '../../../infra/crypto/totp.ts'
import { findUser } from '../../../projections/users/queries.ts'
import type { InteractionDeps } from './deps.ts'
import { retryIn } from './login.ts'

// The second factor of a sign-in: a TOTP code or a recovery code, each accepted once; or, when an
// organization requires one and the user has none, an enrolment inside the sign-in (a secret as a
// QR code and as text, confirmed by a first code, then the recovery codes shown once).

export type Refusal = { message: string; status: 401 | 429; retry_after_seconds?: number }

export const REPLAYED =
  'That code has already been used. Wait for the next code from your app (or use another recovery code).'
export const INVALID_CODE = 'That code is not valid.'

export async function checkSecondFactor(
  deps: InteractionDeps,
  input: { user_id: string; code: string },
  context: CommandContext,
): Promise<Refusal | null> {
  const checked = await verifySecondFactor(deps.credentials, input, context)
  switch (checked.outcome) {
    case 'ok':
      return null
    case 'replayed':
      return { message: REPLAYED, status: 401 }
    case 'invalid':
      return { message: INVALID_CODE, status: 401 }
    case 'locked': {
      const seconds = checked.retry_after_seconds
      return { message: retryIn(seconds), status: 429, retry_after_seconds: seconds }
    }
    default: {
      const unknown: never = checked
      throw new Error(`unknown outcome ${JSON.stringify(unknown)}`)
    }
  }
}

/**
 * The enrolment to show: the pending one when there is one (a reload or a mistyped first code
 * keeps the secret the app already holds), else a new one.
 */
export async function enrolment(
  deps: InteractionDeps,
  userId: string,
  context: CommandContext,
): Promise<{ qr: string; secret: string }> {
  const { state } = await loadState(deps.credentials.store, credentialStream(userId), credentialDecider)
  if (state.totp.status === 'Pending') {
    const secret = await deps.credentials.secrets.open(state.totp.secret)
    const label = (await findUser(deps.db, userId))?.email ?? userId
    return { qr: await totpQrDataUrl(totpUri(secret, label, TOTP_ISSUER)), secret }
  }
  const started = await enrolTotp(deps.credentials, { user_id: userId }, context)
  return { qr: started.qr, secret: new URL(started.otpauth_uri).searchParams.get('secret') ?? '' }
}

/** Confirms the enrolment with its first code: the recovery codes, or why not. */
export async function confirmEnrolment(
  deps: InteractionDeps,
  input: { user_id: string; code: string },
  context: CommandContext,
): Promise<{ recovery_codes: string[] } | Refusal> {
  try {
    return await confirmTotp(deps.credentials, input, context)
  } catch (error) {
    if (error instanceof AppError && error.code === 'TOTP_CODE_INVALID') {
      return { message: INVALID_CODE, status: 401 }
    }
    throw error
  }
}
