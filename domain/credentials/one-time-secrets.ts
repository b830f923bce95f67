import { createHash, randomBytes } from 'node:crypto'

// The invitation token and the recovery codes: random, shown once, stored as SHA-256 hashes. They
// carry enough entropy (256 and 80 bits) that a fast hash resists an offline search, which lets
// the stored hash be compared directly; the domain owns their format, as it owns API keys'.

/** SHA-256 hex of a one-time secret. */
export const hashOneTimeSecret = (secret: string): string =>
  createHash('sha256').update(secret, 'utf8').digest('hex')

/**
 * `<user_id>.<43 base64url characters>`: the user id says whose credential stream holds the
 * invitation (no lookup table), the 256 random bits are the credential.
 */
export function newInvitationToken(userId: string): string {
  return `${userId}.${randomBytes(32).toString('base64url')}`
}

const TOKEN = /^([0-9a-fA-F-]{36})\.([A-Za-z0-9_-]{43})$/

/** The user id an invitation token names, or null when it is not one. */
export function invitationUser(token: string): string | null {
  return TOKEN.exec(token)?.[1] ?? null
}

/** Crockford's base32 without I, L, O, U: nothing to misread when typed from paper. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
export const RECOVERY_CODE_COUNT = 10

/** `XXXX-XXXX-XXXX-XXXX`: 16 base32 characters, 80 bits. */
export function newRecoveryCode(): string {
  const chars = [...randomBytes(16)].map((byte) => ALPHABET[byte % 32]).join('')
  return chars.match(/.{4}/g)?.join('-') ?? chars
}

/** The form a recovery code is hashed in: case, spaces and dashes as typed do not matter. */
export const canonicalRecoveryCode = (typed: string): string => typed.toUpperCase().replace(/[\s-]/g, '')

/** Whether a typed second factor has the shape of a recovery code (else it is a TOTP code). */
export const looksLikeRecoveryCode = (typed: string): boolean =>
  /^[0-9A-HJKMNP-TV-Z]{16}$/.test(canonicalRecoveryCode(typed))
