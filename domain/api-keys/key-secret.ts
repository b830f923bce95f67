import { createHash, randomBytes } from 'node:crypto'

// What an API key secret looks like and how it is hashed: the command that issues a key and the
// router that checks one must agree on both, so this lives in the domain, below both of them.
// Keys look like OpenAI's (`sk-…`) so SDKs and secret scanners treat them as secrets.
const PREFIX = 'sk-aiaas-'

/** A new secret; drawn by the command handler, never inside a decider (deciders stay pure). */
export function newKeySecret(): string {
  return PREFIX + randomBytes(24).toString('base64url')
}

/** SHA-256 is enough here: the secret has 192 random bits, so no slow hash is needed. */
export function hashKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** Enough of the key to recognise it in lists, too little to use it. */
export function keyPrefix(secret: string): string {
  return secret.slice(0, PREFIX.length + 4)
}
