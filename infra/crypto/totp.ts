import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'

// TOTP (RFC 6238) with otpauth: SHA-1, 6 digits, 30-second steps, the parameters every
// authenticator app supports. Matching returns the time step a code belongs to, so the credential
// decider can accept each step once (docs/adr/0016); ±1 step of drift is allowed.

export const TOTP_PERIOD_SECONDS = 30
export const TOTP_DIGITS = 6
const DRIFT_STEPS = 1

const totp = (secret: string, label = 'user', issuer = 'AIaaS') =>
  new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  })

/** A new shared secret, base32: 160 bits, the length RFC 4226 §4 recommends for HMAC-SHA-1. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32

/** The otpauth:// URI an authenticator app reads (from the QR code). */
export const totpUri = (secret: string, label: string, issuer: string): string =>
  totp(secret, label, issuer).toString()

/** The code for the step that holds `at` (tests, and nothing else, need to make codes). */
export const totpCode = (secret: string, at: Date): string =>
  totp(secret).generate({ timestamp: at.getTime() })

/** The time step `at` falls in. */
export const totpStep = (at: Date): number =>
  TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: at.getTime() })

/** The step whose code `code` is, within ±1 step of `at`; null when none is. */
export function matchingStep(secret: string, code: string, at: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null
  const delta = totp(secret).validate({ token: code, timestamp: at.getTime(), window: DRIFT_STEPS })
  return delta === null ? null : totpStep(at) + delta
}

/** The URI as a QR code, a PNG data URL an <img> shows without any external asset. */
export const totpQrDataUrl = (uri: string): Promise<string> =>
  QRCode.toDataURL(uri, { errorCorrectionLevel: 'M' })
