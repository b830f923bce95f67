import { createHash, randomBytes } from 'node:crypto'

// A service account's OAuth2 client secret: the command that creates (or rotates) it and the
// issuer that checks it must agree on the hash, so this lives in the domain, below both.
const PREFIX = 'aiaas-sa-secret-'

/** 256 random bits; drawn by the command handler, never inside a decider (deciders stay pure). */
export function newClientSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`
}

/** SHA-256 is enough: the secret has 256 random bits, so no slow hash is needed (as API keys). */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}
