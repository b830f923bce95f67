import { randomBytes } from 'node:crypto'

// A key's request-signing secret (docs/routing.md, Request signing): `aiaas-sig-` and 43
// base64url characters (256 random bits). The HMAC key is the whole string's UTF-8 bytes, so a
// caller passes it to any HMAC library as it was shown, with nothing to decode.
const PREFIX = 'aiaas-sig-'

/** A new signing secret; drawn by the command handler, never inside a decider. */
export function newSigningSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`
}
