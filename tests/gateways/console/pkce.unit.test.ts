import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  base64url,
  challengeOf,
  isVerifier,
  newState,
  newVerifier,
} from '../../../gateways/console/src/auth/pkce.ts'

describe('PKCE (RFC 7636, S256)', () => {
  it('makes verifiers of 43 unreserved characters, each new', () => {
    const verifiers = Array.from({ length: 50 }, newVerifier)
    for (const verifier of verifiers) expect(isVerifier(verifier), verifier).toBe(true)
    expect(new Set(verifiers).size).toBe(50)
    expect(newState()).not.toBe(newState())
  })

  it('derives the challenge the issuer checks: BASE64URL(SHA-256(verifier))', async () => {
    // RFC 7636 appendix B's example.
    expect(await challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    )
    const verifier = newVerifier()
    expect(await challengeOf(verifier)).toBe(createHash('sha256').update(verifier).digest('base64url'))
  })

  it('encodes base64url without padding', () => {
    expect(base64url(new Uint8Array([251, 255]))).toBe('-_8')
  })
})
