import { credentialStream } from '../../domain/credentials/credentials.ts'
import type { CredentialCommand } from '../../domain/credentials/decide.ts'
import { credentialDecider } from '../../domain/credentials/decider.ts'
import { lockedForMs } from '../../domain/credentials/lockout.ts'
import {
  canonicalRecoveryCode,
  hashOneTimeSecret,
  looksLikeRecoveryCode,
} from '../../domain/credentials/one-time-secrets.ts'
import { AppError } from '../../domain/errors.ts'
import { matchingStep } from '../../infra/crypto/totp.ts'
import { type CommandContext, handleCommand, loadState } from '../handle-command.ts'
import { type CredentialDeps, checkedAgainOnChange, type Locked, unlessLocked } from './credential-deps.ts'

export type SecondFactorOutcome =
  | { outcome: 'ok'; method: 'totp' | 'recovery_code' }
  | { outcome: 'invalid' }
  /** The code was right once, and has been used (a replay, or the loser of two at once). */
  | { outcome: 'replayed' }
  | Locked

/**
 * Checks a TOTP code or a recovery code at sign-in and records the outcome. Each TOTP step is
 * accepted once: of two concurrent checks of one code, the event store's version check lets one
 * append, and the other is decided again on the stream that now holds that step (replayed). The
 * login flow calls this; no HTTP route exposes it.
 */
export function verifySecondFactor(
  deps: CredentialDeps,
  input: { user_id: string; code: string },
  context: CommandContext,
): Promise<SecondFactorOutcome> {
  const { user_id } = input
  const stream = credentialStream(user_id)
  return checkedAgainOnChange(async (): Promise<SecondFactorOutcome> => {
    const { state } = await loadState(deps.store, stream, credentialDecider)
    if (state.totp.status !== 'Confirmed') {
      throw new AppError('TOTP_NOT_ENROLLED', 'the user has no confirmed TOTP', { user_id })
    }
    const at = deps.now()
    const now = at.toISOString()
    const lockedMs = lockedForMs(state.second_factor_attempts, now)
    if (lockedMs > 0) return { outcome: 'locked', retry_after_seconds: Math.ceil(lockedMs / 1000) }
    const recovery = looksLikeRecoveryCode(input.code)
    const command: CredentialCommand = recovery
      ? {
          type: 'UseRecoveryCode',
          data: { user_id, code_hash: hashOneTimeSecret(canonicalRecoveryCode(input.code)), now },
        }
      : {
          type: 'VerifyTotp',
          data: {
            user_id,
            enrolment_id: state.totp.enrolment_id,
            step: matchingStep(await deps.secrets.open(state.totp.secret), input.code, at),
            now,
          },
        }
    return unlessLocked(async (): Promise<SecondFactorOutcome> => {
      const { events } = await handleCommand(deps, stream, credentialDecider, command, context)
      const event = events[0]
      if (event?.type === 'SecondFactorFailed') return { outcome: event.data.reason }
      return { outcome: 'ok', method: recovery ? 'recovery_code' : 'totp' }
    })
  })
}
