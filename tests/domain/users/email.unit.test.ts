import { describe, expect, it } from 'vitest'
import { emailKey } from '../../../domain/users/email.ts'

describe('emailKey: the key an email is unique under', () => {
  it('ignores case and surrounding spaces', () => {
    expect(emailKey('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com')
    expect(emailKey('ADA@EXAMPLE.COM')).toBe(emailKey('ada@example.com'))
  })

  it('gives one key for the composed and decomposed forms of an accented address', () => {
    const composed = 'J\u00F6rg@example.com'
    const decomposed = 'Jo\u0308rg@example.com'
    expect(composed).not.toBe(decomposed)
    expect(emailKey(composed)).toBe(emailKey(decomposed))
    expect(emailKey('JÖRG@example.com')).toBe(emailKey(decomposed))
  })

  it('keeps addresses that differ in more than case apart', () => {
    expect(emailKey('ada@example.com')).not.toBe(emailKey('ada+x@example.com'))
  })
})
