import { describe, expect, it } from 'vitest'
import { checkPasswordLength } from '../../../domain/credentials/password-policy.ts'

describe('password length (NIST 800-63B)', () => {
  it('accepts 12 to 128 code points, with no composition rules', () => {
    expect(() => checkPasswordLength('aaaaaaaaaaaa')).not.toThrow()
    expect(() => checkPasswordLength('x'.repeat(128))).not.toThrow()
    expect(() => checkPasswordLength('🔑'.repeat(12))).not.toThrow()
  })

  it('refuses shorter or longer passwords with PASSWORD_INVALID', () => {
    expect(() => checkPasswordLength('a'.repeat(11))).toThrow(
      expect.objectContaining({ code: 'PASSWORD_INVALID' }),
    )
    expect(() => checkPasswordLength('a'.repeat(129))).toThrow(
      expect.objectContaining({ code: 'PASSWORD_INVALID' }),
    )
  })

  it('counts code points, not UTF-16 units: six emoji are six characters', () => {
    expect(() => checkPasswordLength('🔑'.repeat(6))).toThrow(
      expect.objectContaining({ code: 'PASSWORD_INVALID' }),
    )
  })
})
