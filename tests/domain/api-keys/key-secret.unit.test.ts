import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashKeySecret, keyFormat, keyPrefix, newKeySecret } from '../../../domain/api-keys/key-secret.ts'

const CURRENT = /^sk-aiaas-[0-9A-Za-z]{12}_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/

describe('API key secrets', () => {
  it('are a prefix, a public id, 32 base62 characters of secret and a checksum, never twice the same', () => {
    const a = newKeySecret()
    const b = newKeySecret()
    expect(a).toMatch(CURRENT)
    expect(a).not.toBe(b)
    expect(keyFormat(a)).toBe('current')
  })

  it('refuse a mistyped key by its checksum, without a lookup', () => {
    const key = newKeySecret()
    const at = 20 // inside the secret
    const typo = key.slice(0, at) + (key[at] === 'x' ? 'y' : 'x') + key.slice(at + 1)
    expect(keyFormat(typo)).toBe('malformed')
    const badChecksum = key.slice(0, -1) + (key.endsWith('0') ? '1' : '0')
    expect(keyFormat(badChecksum)).toBe('malformed')
  })

  it('refuse a truncated or padded key, and anything that is not a key', () => {
    const key = newKeySecret()
    expect(keyFormat(key.slice(0, -1))).toBe('malformed')
    expect(keyFormat(`${key}a`)).toBe('malformed')
    expect(keyFormat('')).toBe('malformed')
    expect(keyFormat('test-admin-token-0123456789')).toBe('malformed')
  })

  it('keep keys issued in the old format (no checksum) recognisable, by length and alphabet', () => {
    const legacy = `sk-aiaas-${'A1_-'.repeat(8)}`
    expect(keyFormat(legacy)).toBe('legacy')
    expect(keyFormat(legacy.slice(0, -1))).toBe('malformed')
  })

  it('hash to the SHA-256 hex digest the router looks the key up by', () => {
    const secret = newKeySecret()
    expect(hashKeySecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'))
    expect(hashKeySecret(secret)).not.toBe(hashKeySecret(`${secret}x`))
  })

  it('show the prefix and public id in lists, never the secret', () => {
    const secret = newKeySecret()
    const prefix = keyPrefix(secret)
    expect(prefix).toMatch(/^sk-aiaas-[0-9A-Za-z]{12}$/)
    expect(secret.startsWith(`${prefix}_`)).toBe(true)
    expect(keyPrefix(`sk-aiaas-${'abcd'.repeat(8)}`)).toBe('sk-aiaas-abcd')
  })
})
