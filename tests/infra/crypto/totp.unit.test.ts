import { describe, expect, it } from 'vitest'
import {
  matchingStep,
  newTotpSecret,
  totpCode,
  totpQrDataUrl,
  totpStep,
  totpUri,
} from '../../../infra/crypto/totp.ts'

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890" (base32 below); its
// 8-digit codes end in the 6-digit codes we use (RFC 4226 truncation keeps the low digits).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
]

describe('TOTP (RFC 6238, SHA-1, 6 digits, 30 s)', () => {
  it.each(RFC_VECTORS)('gives the RFC 6238 SHA-1 code at T=%i s', (seconds, eight) => {
    expect(totpCode(RFC_SECRET, new Date(seconds * 1000))).toBe(eight.slice(-6))
  })

  it('matches a code to its step within ±1 step of drift, and no further', () => {
    const at = new Date(1111111111 * 1000)
    const step = totpStep(at)
    expect(step).toBe(Math.floor(1111111111 / 30))
    expect(matchingStep(RFC_SECRET, '050471', at)).toBe(step)
    const previous = totpCode(RFC_SECRET, new Date(at.getTime() - 30_000))
    const next = totpCode(RFC_SECRET, new Date(at.getTime() + 30_000))
    const twoAway = totpCode(RFC_SECRET, new Date(at.getTime() + 60_000))
    expect(matchingStep(RFC_SECRET, previous, at)).toBe(step - 1)
    expect(matchingStep(RFC_SECRET, next, at)).toBe(step + 1)
    expect(matchingStep(RFC_SECRET, twoAway, at)).toBeNull()
  })

  it('refuses a wrong code and anything that is not six digits', () => {
    const at = new Date(59_000)
    const wrong = String((Number('287082') + 1) % 1_000_000).padStart(6, '0')
    expect(matchingStep(RFC_SECRET, wrong, at)).toBeNull()
    expect(matchingStep(RFC_SECRET, '28708', at)).toBeNull()
    expect(matchingStep(RFC_SECRET, '94287082', at)).toBeNull()
  })

  it('draws 160-bit secrets and builds an otpauth URI and a PNG QR code for them', async () => {
    const secret = newTotpSecret()
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(newTotpSecret()).not.toBe(secret)
    const uri = totpUri(secret, 'ada@example.com', 'AIaaS')
    const parsed = new URL(uri)
    expect(parsed.protocol).toBe('otpauth:')
    expect(parsed.host).toBe('totp')
    expect(parsed.searchParams.get('secret')).toBe(secret)
    expect(parsed.searchParams.get('algorithm')).toBe('SHA1')
    expect(parsed.searchParams.get('digits')).toBe('6')
    expect(parsed.searchParams.get('period')).toBe('30')
    expect(decodeURIComponent(parsed.pathname)).toBe('/AIaaS:ada@example.com')
    expect(await totpQrDataUrl(uri)).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/)
  })
})
