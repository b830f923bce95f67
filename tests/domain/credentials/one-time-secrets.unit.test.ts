import { describe, expect, it } from 'vitest'
import {
  canonicalRecoveryCode,
  hashOneTimeSecret,
  invitationUser,
  looksLikeRecoveryCode,
  newInvitationToken,
  newRecoveryCode,
} from '../../../domain/credentials/one-time-secrets.ts'

const user_id = '0190a8e2-0000-7000-8000-000000000001'

describe('invitation tokens and recovery codes', () => {
  it('names the user in an invitation token and refuses anything else', () => {
    const token = newInvitationToken(user_id)
    expect(token).toMatch(/^0190a8e2-0000-7000-8000-000000000001\.[A-Za-z0-9_-]{43}$/)
    expect(invitationUser(token)).toBe(user_id)
    expect(newInvitationToken(user_id)).not.toBe(token)
    expect(invitationUser(`${user_id}.short`)).toBeNull()
    expect(invitationUser('not-a-token')).toBeNull()
  })

  it('draws recovery codes of 16 unambiguous base32 characters, accepted however they are typed', () => {
    const code = newRecoveryCode()
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/)
    expect(looksLikeRecoveryCode(code.toLowerCase().replaceAll('-', ' '))).toBe(true)
    expect(hashOneTimeSecret(canonicalRecoveryCode(code.toLowerCase()))).toBe(
      hashOneTimeSecret(canonicalRecoveryCode(code)),
    )
    expect(looksLikeRecoveryCode('123456')).toBe(false)
  })

  it('hashes with SHA-256 hex', () => {
    expect(hashOneTimeSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})
