import { describe, expect, it } from 'vitest'
import type { CredentialEvent } from '../../../domain/credentials/credentials.ts'
import type { CredentialCommand, UserPresence } from '../../../domain/credentials/decide.ts'
import { credentialDecider } from '../../../domain/credentials/decider.ts'
import { lockDurationMs } from '../../../domain/credentials/lockout.ts'
import { specFor } from '../../support/decider.ts'

const given = specFor(credentialDecider)
const user_id = '0190a8e2-0000-7000-8000-0000000000u1'
const now = '2026-11-26T10:00:00.000Z'
const later = (ms: number) => new Date(Date.parse(now) + ms).toISOString()
const sealed = (n: string) => ({
  data_key_id: `0190a8e2-0000-7000-8000-00000000000${n}`,
  alg: 'AES-256-GCM' as const,
  iv: 'aXY=',
  ciphertext: 'Y3Q=',
  tag: 'dGFn',
})
const hash = (c: string) => c.repeat(64)

const passwordSet = (
  via: 'admin' | 'invitation' | 'rehash' = 'admin',
  password_id = 'p1',
): CredentialEvent => ({
  type: 'PasswordSet',
  data: { user_id, password_id, password: sealed('1'), via, at: now },
})
const invited: CredentialEvent = {
  type: 'InvitationIssued',
  data: { user_id, token_hash: hash('a'), expires_at: later(60_000), at: now },
}
const failed = (failures: number, locked_until: string | null, at = now): CredentialEvent => ({
  type: 'PasswordAttemptFailed',
  data: { user_id, failures, locked_until, at },
})
const started: CredentialEvent = {
  type: 'TotpEnrolmentStarted',
  data: { user_id, enrolment_id: 'e1', secret: sealed('2'), at: now },
}
const confirmedAt = (step: number): CredentialEvent => ({
  type: 'TotpConfirmed',
  data: { user_id, enrolment_id: 'e1', step, recovery_code_hashes: [hash('1'), hash('2')], at: now },
})

const setPassword = (user: UserPresence = 'enabled'): CredentialCommand => ({
  type: 'SetPassword',
  data: { user_id, password_id: 'p2', password: sealed('3'), now },
  user,
})
const accept = (token_hash: string, at = now, user: UserPresence = 'enabled'): CredentialCommand => ({
  type: 'AcceptInvitation',
  data: { user_id, token_hash, password_id: 'p2', password: sealed('3'), now: at },
  user,
})
const attempt = (matched: boolean, at = now, password_id = 'p1'): CredentialCommand => ({
  type: 'RecordPasswordAttempt',
  data: { user_id, password_id, matched, now: at },
})
const verify = (step: number | null, at = now, enrolment_id = 'e1'): CredentialCommand => ({
  type: 'VerifyTotp',
  data: { user_id, enrolment_id, step, now: at },
})
const useCode = (code_hash: string, at = now): CredentialCommand => ({
  type: 'UseRecoveryCode',
  data: { user_id, code_hash, now: at },
})

describe('credentials decider: setting a password', () => {
  it('lets an admin set the password of an enabled user', () => {
    given([])
      .when(setPassword())
      .then([
        {
          type: 'PasswordSet',
          data: { user_id, password_id: 'p2', password: sealed('3'), via: 'admin', at: now },
        },
      ])
  })

  it('refuses a user that does not exist or is disabled', () => {
    given([]).when(setPassword('absent')).thenThrows('USER_NOT_FOUND')
    given([]).when(setPassword('disabled')).thenThrows('USER_DISABLED')
  })

  it('issues an invitation with its token hash and expiry', () => {
    const { token_hash, expires_at } = invited.data as { token_hash: string; expires_at: string }
    given([])
      .when({ type: 'IssueInvitation', data: { user_id, token_hash, expires_at, now }, user: 'enabled' })
      .then([invited])
    given([])
      .when({ type: 'IssueInvitation', data: { user_id, token_hash, expires_at, now }, user: 'disabled' })
      .thenThrows('USER_DISABLED')
  })

  it('sets the password through a valid invitation, once', () => {
    given([invited])
      .when(accept(hash('a')))
      .then([
        {
          type: 'PasswordSet',
          data: { user_id, password_id: 'p2', password: sealed('3'), via: 'invitation', at: now },
        },
      ])
    given([invited, passwordSet('invitation')])
      .when(accept(hash('a')))
      .thenThrows('INVITATION_INVALID')
  })

  it('refuses a wrong token, an unknown user, an expired or replaced invitation', () => {
    given([invited])
      .when(accept(hash('b')))
      .thenThrows('INVITATION_INVALID')
    given([])
      .when(accept(hash('a')))
      .thenThrows('INVITATION_INVALID')
    given([invited])
      .when(accept(hash('a'), now, 'absent'))
      .thenThrows('INVITATION_INVALID')
    given([invited])
      .when(accept(hash('a'), later(60_000)))
      .thenThrows('INVITATION_EXPIRED')
    given([invited, passwordSet()])
      .when(accept(hash('a')))
      .thenThrows('INVITATION_INVALID')
    given([invited])
      .when(accept(hash('a'), now, 'disabled'))
      .thenThrows('USER_DISABLED')
  })
})

describe('credentials decider: password attempts and lock-out', () => {
  it('records nothing for a right password, and resets earlier failures', () => {
    given([passwordSet()]).when(attempt(true)).then([])
    given([passwordSet(), failed(2, null)])
      .when(attempt(true))
      .then([{ type: 'PasswordAttemptsReset', data: { user_id, at: now } }])
  })

  it('counts failures, free up to four, then locks with a doubling back-off', () => {
    given([passwordSet()])
      .when(attempt(false))
      .then([failed(1, null)])
    given([passwordSet(), failed(3, null)])
      .when(attempt(false))
      .then([failed(4, null)])
    given([passwordSet(), failed(4, null)])
      .when(attempt(false))
      .then([failed(5, later(30_000))])
    const at = later(30_000)
    given([passwordSet(), failed(5, later(30_000))])
      .when(attempt(false, at))
      .then([failed(6, new Date(Date.parse(at) + 60_000).toISOString(), at)])
    expect([5, 6, 7, 8, 9, 10, 20].map(lockDurationMs)).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000,
    ])
  })

  it('refuses every attempt while locked, right password included, and allows one after', () => {
    const locked = [passwordSet(), failed(5, later(30_000))]
    given(locked)
      .when(attempt(true, later(29_000)))
      .thenThrows('CREDENTIALS_LOCKED')
    given(locked)
      .when(attempt(false, later(29_000)))
      .thenThrows('CREDENTIALS_LOCKED')
    given(locked)
      .when(attempt(true, later(30_000)))
      .then([{ type: 'PasswordAttemptsReset', data: { user_id, at: later(30_000) } }])
  })

  it('ends a lock-out when a new password is set', () => {
    given([passwordSet(), failed(5, later(30_000)), passwordSet('admin', 'p2')])
      .when(attempt(true, now, 'p2'))
      .then([])
  })

  it('refuses an attempt without a password, or checked against a replaced one', () => {
    given([]).when(attempt(true)).thenThrows('PASSWORD_NOT_SET')
    given([passwordSet()])
      .when(attempt(true, now, 'p0'))
      .thenThrows('VERSION_CONFLICT')
  })
})

describe('credentials decider: re-hashing a verified password', () => {
  const rehash = (old_password_id: string): CredentialCommand => ({
    type: 'RehashPassword',
    data: { user_id, old_password_id, password_id: 'p2', password: sealed('3'), now },
  })

  it('replaces the hash of the password just verified', () => {
    given([passwordSet()])
      .when(rehash('p1'))
      .then([
        {
          type: 'PasswordSet',
          data: { user_id, password_id: 'p2', password: sealed('3'), via: 'rehash', at: now },
        },
      ])
  })

  it('refuses when the password changed since it was verified', () => {
    given([passwordSet(), passwordSet('admin', 'p2')])
      .when(rehash('p1'))
      .thenThrows('VERSION_CONFLICT')
  })

  it('keeps a pending invitation and the lock-out count, unlike a new password', () => {
    given([passwordSet(), invited, failed(5, later(30_000)), passwordSet('rehash', 'p2')])
      .when(attempt(true, now, 'p2'))
      .thenThrows('CREDENTIALS_LOCKED')
  })
})

describe('credentials decider: TOTP enrolment', () => {
  const start = (user: UserPresence = 'enabled'): CredentialCommand => ({
    type: 'StartTotpEnrolment',
    data: { user_id, enrolment_id: 'e1', secret: sealed('2'), now },
    user,
  })
  const confirm = (step: number | null, enrolment_id = 'e1'): CredentialCommand => ({
    type: 'ConfirmTotp',
    data: { user_id, enrolment_id, step, recovery_code_hashes: [hash('1'), hash('2')], now },
  })

  it('starts a pending enrolment, again while pending, never over a confirmed one', () => {
    given([]).when(start()).then([started])
    given([started]).when(start()).then([started])
    given([started, confirmedAt(100)])
      .when(start())
      .thenThrows('TOTP_ALREADY_ENROLLED')
    given([]).when(start('absent')).thenThrows('USER_NOT_FOUND')
    given([]).when(start('disabled')).thenThrows('USER_DISABLED')
  })

  it('confirms with a matching first code and its recovery code hashes', () => {
    given([started])
      .when(confirm(100))
      .then([confirmedAt(100)])
  })

  it('refuses a wrong first code, a missing or replaced enrolment', () => {
    given([started]).when(confirm(null)).thenThrows('TOTP_CODE_INVALID')
    given([]).when(confirm(100)).thenThrows('TOTP_NOT_PENDING')
    given([started, confirmedAt(100)])
      .when(confirm(101))
      .thenThrows('TOTP_NOT_PENDING')
    given([started]).when(confirm(100, 'e0')).thenThrows('VERSION_CONFLICT')
  })

  it('disables TOTP, and records nothing when none is enrolled', () => {
    const disable: CredentialCommand = { type: 'DisableTotp', data: { user_id, now } }
    given([started, confirmedAt(100)])
      .when(disable)
      .then([{ type: 'TotpDisabled', data: { user_id, at: now } }])
    given([]).when(disable).then([])
    given([started, confirmedAt(100), { type: 'TotpDisabled', data: { user_id, at: now } }])
      .when(verify(101))
      .thenThrows('TOTP_NOT_ENROLLED')
  })
})

describe('credentials decider: second factor', () => {
  const enrolled = [started, confirmedAt(100)]
  const sfFailed = (
    failures: number,
    reason: 'invalid' | 'replayed',
    locked_until: string | null = null,
  ) => ({
    type: 'SecondFactorFailed' as const,
    data: { user_id, failures, locked_until, reason, at: now },
  })

  it('accepts a later step once, and refuses that step or an earlier one after', () => {
    const accepted: CredentialEvent = {
      type: 'TotpCodeAccepted',
      data: { user_id, enrolment_id: 'e1', step: 101, at: now },
    }
    given(enrolled).when(verify(101)).then([accepted])
    given([...enrolled, accepted])
      .when(verify(101))
      .then([sfFailed(1, 'replayed')])
    given([...enrolled, accepted])
      .when(verify(100))
      .then([sfFailed(1, 'replayed')])
    given(enrolled)
      .when(verify(100))
      .then([sfFailed(1, 'replayed')])
  })

  it('counts a wrong code as a failure, and locks after the fifth', () => {
    given(enrolled)
      .when(verify(null))
      .then([sfFailed(1, 'invalid')])
    given([...enrolled, sfFailed(4, 'invalid')])
      .when(verify(null))
      .then([sfFailed(5, 'invalid', later(30_000))])
    given([...enrolled, sfFailed(5, 'invalid', later(30_000))])
      .when(verify(102))
      .thenThrows('CREDENTIALS_LOCKED')
  })

  it('keeps second-factor failures apart from password successes', () => {
    given([...enrolled, passwordSet(), sfFailed(5, 'invalid', later(30_000))])
      .when(attempt(true))
      .then([])
    given([...enrolled, passwordSet(), sfFailed(5, 'invalid', later(30_000))])
      .when(verify(102))
      .thenThrows('CREDENTIALS_LOCKED')
  })

  it('refuses a verification without TOTP or against a replaced enrolment', () => {
    given([]).when(verify(101)).thenThrows('TOTP_NOT_ENROLLED')
    given([started]).when(verify(101)).thenThrows('TOTP_NOT_ENROLLED')
    given(enrolled)
      .when(verify(101, now, 'e0'))
      .thenThrows('VERSION_CONFLICT')
  })

  it('accepts each recovery code once', () => {
    const used: CredentialEvent = { type: 'RecoveryCodeUsed', data: { user_id, index: 1, at: now } }
    given(enrolled)
      .when(useCode(hash('2')))
      .then([used])
    given([...enrolled, used])
      .when(useCode(hash('2')))
      .then([sfFailed(1, 'replayed')])
    given([...enrolled, used])
      .when(useCode(hash('1')))
      .then([{ type: 'RecoveryCodeUsed', data: { user_id, index: 0, at: now } }])
    given(enrolled)
      .when(useCode(hash('9')))
      .then([sfFailed(1, 'invalid')])
    given([])
      .when(useCode(hash('1')))
      .thenThrows('TOTP_NOT_ENROLLED')
  })

  it('regenerates recovery codes: the old ones stop working', () => {
    const regenerate: CredentialCommand = {
      type: 'RegenerateRecoveryCodes',
      data: { user_id, recovery_code_hashes: [hash('3')], now },
    }
    const regenerated: CredentialEvent = {
      type: 'RecoveryCodesRegenerated',
      data: { user_id, recovery_code_hashes: [hash('3')], at: now },
    }
    given(enrolled).when(regenerate).then([regenerated])
    given([...enrolled, regenerated])
      .when(useCode(hash('1')))
      .then([sfFailed(1, 'invalid')])
    given([started]).when(regenerate).thenThrows('TOTP_NOT_ENROLLED')
  })
})
