// PKCE (RFC 7636, S256) and the random state of the authorization request, with the browser's Web
// Crypto (also Node's, so the unit tests run the same code).

const UNRESERVED = /^[A-Za-z0-9\-._~]{43,128}$/

export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A code verifier: 32 random bytes, 43 characters of base64url (RFC 7636 §4.1). */
export function newVerifier(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)))
}

export function isVerifier(text: string): boolean {
  return UNRESERVED.test(text)
}

/** BASE64URL(SHA-256(verifier)) (RFC 7636 §4.2). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return base64url(new Uint8Array(digest))
}

/** The request's `state`: 16 random bytes, compared on the way back (CSRF). */
export function newState(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(16)))
}
