import { AppError } from '../errors.ts'
import type { SealedSecret } from '../secrets/sealed-secret.ts'
import type { CredentialEvent, Credentials, Totp } from './credentials.ts'
import { type Attempts, failedOnce, lockedForMs } from './lockout.ts'

// Hashing, random and time happen outside: a command carries the sealed hash, the token's hash,
// the TOTP step the code matched (or null), so the decider stays pure and a retried decision
// (after a version conflict) decides on the fresh stream with the same inputs.

/** What a command that gives a user a credential knows of the user (read from their stream). */
export type UserPresence = 'absent' | 'enabled' | 'disabled'

type WithUser = { user: UserPresence }

export interface SetPassword extends WithUser {
  type: 'SetPassword'
  data: { user_id: string; password_id: string; password: SealedSecret; now: string }
}
export interface IssueInvitation extends WithUser {
  type: 'IssueInvitation'
  data: { user_id: string; token_hash: string; expires_at: string; now: string }
}
export interface AcceptInvitation extends WithUser {
  type: 'AcceptInvitation'
  data: { user_id: string; token_hash: string; password_id: string; password: SealedSecret; now: string }
}
/**
 * A password just verified against `old_password_id`, hashed again under today's parameters
 * (`password_id` names the new hash): the same password, a stronger hash.
 */
export interface RehashPassword {
  type: 'RehashPassword'
  data: { user_id: string; old_password_id: string; password_id: string; password: SealedSecret; now: string }
}
/** The outcome of checking a password against `password_id`, recorded. */
export interface RecordPasswordAttempt {
  type: 'RecordPasswordAttempt'
  data: { user_id: string; password_id: string; matched: boolean; now: string }
}
export interface StartTotpEnrolment extends WithUser {
  type: 'StartTotpEnrolment'
  data: { user_id: string; enrolment_id: string; secret: SealedSecret; now: string }
}
/** `step`: the time step the first code matched under the pending secret, null when none did. */
export interface ConfirmTotp {
  type: 'ConfirmTotp'
  data: {
    user_id: string
    enrolment_id: string
    step: number | null
    recovery_code_hashes: string[]
    now: string
  }
}
export interface VerifyTotp {
  type: 'VerifyTotp'
  data: { user_id: string; enrolment_id: string; step: number | null; now: string }
}
export interface UseRecoveryCode {
  type: 'UseRecoveryCode'
  data: { user_id: string; code_hash: string; now: string }
}
export interface RegenerateRecoveryCodes {
  type: 'RegenerateRecoveryCodes'
  data: { user_id: string; recovery_code_hashes: string[]; now: string }
}
export interface DisableTotp {
  type: 'DisableTotp'
  data: { user_id: string; now: string }
}

export type CredentialCommand =
  | SetPassword
  | IssueInvitation
  | AcceptInvitation
  | RecordPasswordAttempt
  | RehashPassword
  | StartTotpEnrolment
  | ConfirmTotp
  | VerifyTotp
  | UseRecoveryCode
  | RegenerateRecoveryCodes
  | DisableTotp

function enabledUser(command: WithUser & { data: { user_id: string } }): void {
  const { user_id } = command.data
  if (command.user === 'absent') throw new AppError('USER_NOT_FOUND', 'no such user', { user_id })
  if (command.user === 'disabled') throw new AppError('USER_DISABLED', 'the user is disabled', { user_id })
}

function notLocked(attempts: Attempts, now: string, user_id: string): void {
  const ms = lockedForMs(attempts, now)
  if (ms > 0) {
    throw new AppError('CREDENTIALS_LOCKED', 'too many failed attempts; try again later', {
      user_id,
      retry_after_seconds: Math.ceil(ms / 1000),
    })
  }
}

/** The credential changed between the check and the decision: the caller checks again. */
const changed = (user_id: string) =>
  new AppError('VERSION_CONFLICT', 'the credential changed while it was being checked', { user_id })

function setPassword(command: SetPassword): CredentialEvent[] {
  enabledUser(command)
  const { user_id, password_id, password, now } = command.data
  return [{ type: 'PasswordSet', data: { user_id, password_id, password, via: 'admin', at: now } }]
}

function rehashPassword(command: RehashPassword, state: Credentials): CredentialEvent[] {
  const { user_id, old_password_id, password_id, password, now } = command.data
  // Changed since it was verified (an admin set another): the new one stands, no re-hash.
  if (state.password?.password_id !== old_password_id) throw changed(user_id)
  return [{ type: 'PasswordSet', data: { user_id, password_id, password, via: 'rehash', at: now } }]
}

function issueInvitation(command: IssueInvitation): CredentialEvent[] {
  enabledUser(command)
  const { user_id, token_hash, expires_at, now } = command.data
  return [{ type: 'InvitationIssued', data: { user_id, token_hash, expires_at, at: now } }]
}

/** Equal-length hex strings compared without an early exit (no timing hint of a near miss). */
function sameHash(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.min(a.length, b.length); i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

function acceptInvitation(command: AcceptInvitation, state: Credentials): CredentialEvent[] {
  const { user_id, token_hash, password_id, password, now } = command.data
  const invitation = state.invitation
  // A wrong, used or replaced token and an unknown user look the same: the token is the credential.
  if (command.user === 'absent' || !invitation || !sameHash(invitation.token_hash, token_hash)) {
    throw new AppError('INVITATION_INVALID', 'the invitation is not valid')
  }
  enabledUser(command)
  if (Date.parse(now) >= Date.parse(invitation.expires_at)) {
    throw new AppError('INVITATION_EXPIRED', 'the invitation has expired; ask for a new one', {
      expired_at: invitation.expires_at,
    })
  }
  return [{ type: 'PasswordSet', data: { user_id, password_id, password, via: 'invitation', at: now } }]
}

function recordPasswordAttempt(command: RecordPasswordAttempt, state: Credentials): CredentialEvent[] {
  const { user_id, password_id, matched, now } = command.data
  if (!state.password) throw new AppError('PASSWORD_NOT_SET', 'the user has no password', { user_id })
  notLocked(state.password_attempts, now, user_id)
  if (state.password.password_id !== password_id) throw changed(user_id)
  if (matched) {
    return state.password_attempts.failures > 0
      ? [{ type: 'PasswordAttemptsReset', data: { user_id, at: now } }]
      : []
  }
  return [
    {
      type: 'PasswordAttemptFailed',
      data: { user_id, ...failedOnce(state.password_attempts, now), at: now },
    },
  ]
}

function startTotpEnrolment(command: StartTotpEnrolment, state: Credentials): CredentialEvent[] {
  enabledUser(command)
  const { user_id, enrolment_id, secret, now } = command.data
  if (state.totp.status === 'Confirmed') {
    throw new AppError('TOTP_ALREADY_ENROLLED', 'TOTP is already enrolled; reset it first', { user_id })
  }
  return [{ type: 'TotpEnrolmentStarted', data: { user_id, enrolment_id, secret, at: now } }]
}

function confirmTotp(command: ConfirmTotp, state: Credentials): CredentialEvent[] {
  const { user_id, enrolment_id, step, recovery_code_hashes, now } = command.data
  if (state.totp.status !== 'Pending') {
    throw new AppError('TOTP_NOT_PENDING', 'no TOTP enrolment is waiting for confirmation', { user_id })
  }
  if (state.totp.enrolment_id !== enrolment_id) throw changed(user_id)
  if (step === null) throw new AppError('TOTP_CODE_INVALID', 'the code is not valid', { user_id })
  return [{ type: 'TotpConfirmed', data: { user_id, enrolment_id, step, recovery_code_hashes, at: now } }]
}

type ConfirmedTotp = Extract<Totp, { status: 'Confirmed' }>

function confirmed(state: Credentials, user_id: string, now: string): ConfirmedTotp {
  if (state.totp.status !== 'Confirmed') {
    throw new AppError('TOTP_NOT_ENROLLED', 'the user has no confirmed TOTP', { user_id })
  }
  notLocked(state.second_factor_attempts, now, user_id)
  return state.totp
}

function secondFactorFailed(
  state: Credentials,
  user_id: string,
  reason: 'invalid' | 'replayed',
  now: string,
) {
  const attempts = failedOnce(state.second_factor_attempts, now)
  return [{ type: 'SecondFactorFailed' as const, data: { user_id, ...attempts, reason, at: now } }]
}

function verifyTotp(command: VerifyTotp, state: Credentials): CredentialEvent[] {
  const { user_id, enrolment_id, step, now } = command.data
  const totp = confirmed(state, user_id, now)
  if (totp.enrolment_id !== enrolment_id) throw changed(user_id)
  if (step === null) return secondFactorFailed(state, user_id, 'invalid', now)
  // Each step is accepted once; an earlier one never again (RFC 6238 §5.2): a code seen by
  // someone else, or sent twice at once, fails after the first acceptance.
  if (step <= totp.last_step) return secondFactorFailed(state, user_id, 'replayed', now)
  return [{ type: 'TotpCodeAccepted', data: { user_id, enrolment_id, step, at: now } }]
}

function useRecoveryCode(command: UseRecoveryCode, state: Credentials): CredentialEvent[] {
  const { user_id, code_hash, now } = command.data
  const totp = confirmed(state, user_id, now)
  const index = totp.recovery_codes.findIndex((code) => sameHash(code.hash, code_hash))
  if (index < 0) return secondFactorFailed(state, user_id, 'invalid', now)
  if (totp.recovery_codes[index]?.used) return secondFactorFailed(state, user_id, 'replayed', now)
  return [{ type: 'RecoveryCodeUsed', data: { user_id, index, at: now } }]
}

function regenerateRecoveryCodes(command: RegenerateRecoveryCodes, state: Credentials): CredentialEvent[] {
  const { user_id, recovery_code_hashes, now } = command.data
  if (state.totp.status !== 'Confirmed') {
    throw new AppError('TOTP_NOT_ENROLLED', 'the user has no confirmed TOTP', { user_id })
  }
  return [{ type: 'RecoveryCodesRegenerated', data: { user_id, recovery_code_hashes, at: now } }]
}

function disableTotp(command: DisableTotp, state: Credentials): CredentialEvent[] {
  const { user_id, now } = command.data
  // Nothing enrolled: nothing to reset, so a retried DELETE records nothing.
  if (state.totp.status === 'None') return []
  return [{ type: 'TotpDisabled', data: { user_id, at: now } }]
}

export function decide(command: CredentialCommand, state: Credentials): CredentialEvent[] {
  switch (command.type) {
    case 'SetPassword':
      return setPassword(command)
    case 'IssueInvitation':
      return issueInvitation(command)
    case 'AcceptInvitation':
      return acceptInvitation(command, state)
    case 'RecordPasswordAttempt':
      return recordPasswordAttempt(command, state)
    case 'RehashPassword':
      return rehashPassword(command, state)
    case 'StartTotpEnrolment':
      return startTotpEnrolment(command, state)
    case 'ConfirmTotp':
      return confirmTotp(command, state)
    case 'VerifyTotp':
      return verifyTotp(command, state)
    case 'UseRecoveryCode':
      return useRecoveryCode(command, state)
    case 'RegenerateRecoveryCodes':
      return regenerateRecoveryCodes(command, state)
    case 'DisableTotp':
      return disableTotp(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}
