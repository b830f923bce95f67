// Nonces already used, so a signed request is accepted once (docs/routing.md, Request signing).
// Redis (SET NX PX) in production, shared by every router replica; in-process when embedded.
export interface NonceStore {
  /** Records `nonce` for `ttlMs`: true the first time, false while it is still recorded (a replay). */
  claim(nonce: string, ttlMs: number): Promise<boolean>
  close(): Promise<void>
}
