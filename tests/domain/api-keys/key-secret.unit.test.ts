import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashKeySecret, keyPrefix, newKeySecret } from '../../../domain/api-keys/key-secret.ts'

describe('API key secrets', () => {
  it('look like OpenAI keys, with 192 random bits, never twice the same', () => {
    const a = newKeySecret()
    const b = newKeySecret()
    expect(a).toMatch(/^sk-aiaas-[A-Za-z0-9_-]{32}$/)
    expect(a).not.toBe(b)
  })

  it('hash to the SHA-256 hex digest the router looks the key up by', () => {
    const secret = 'sk-aiaas-known'
    expect(hashKeySecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'))
    expect(hashKeySecret(secret)).not.toBe(hashKeySecret(`${secret}x`))
  })

  it('show a prefix that names the key in lists but is too short to use', () => {
    const secret = newKeySecret()
    expect(keyPrefix(secret)).toBe(secret.slice(0, 13))
    expect(secret.startsWith(keyPrefix(secret))).toBe(true)
  })
})
