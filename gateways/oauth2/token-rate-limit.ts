import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { createMemoryRateLimiter } from '../../infra/memory/rate-limiter.ts'
import type { RateLimiter } from '../../infra/ports/rate-limiter.ts'

// The limit on POST /oauth2/token: per client (what guesses one client's secret from many
// addresses runs into) and per client address (what sprays many client ids runs into), each a
// fixed window on the RateLimiter port, shared by every replica in production (Redis). When the
// shared limiter does not answer, this replica counts alone rather than failing: client_credentials
// needs nothing else from Redis and keeps working, still bounded (per replica) while Redis is away.

export interface TokenRateLimit {
  limiter: RateLimiter
  /** Token requests per window for one client id. */
  perClient: number
  /** Token requests per window from one address. */
  perAddress: number
  /** Default 60 000 ms. */
  windowMs?: number
  onLimiterUnavailable?: (error: unknown) => void
}

export type TokenRateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number }

/** The client a token request names: HTTP Basic (form-encoded, RFC 6749 §2.3.1), else `client_id` in the body. */
export function requestedClientId(headers: IncomingHttpHeaders, body: string): string | undefined {
  const [scheme, value] = (headers.authorization ?? '').split(' ')
  if (scheme?.toLowerCase() === 'basic' && value) {
    const user = Buffer.from(value, 'base64').toString('utf8').split(':')[0] ?? ''
    try {
      return decodeURIComponent(user.replace(/\+/g, ' ')) || undefined
    } catch {
      return user || undefined
    }
  }
  return new URLSearchParams(body).get('client_id') || undefined
}

// Client ids come from the caller: a long or odd one is hashed so it cannot shape the limiter's keys.
const keyPart = (value: string) =>
  /^[\w.:-]{1,128}$/.test(value) ? value : createHash('sha256').update(value).digest('hex')

export function tokenRateCheck(limit: TokenRateLimit) {
  const windowMs = limit.windowMs ?? 60_000
  const local = createMemoryRateLimiter()
  const hit = async (key: string, max: number) => {
    try {
      return await limit.limiter.hit(key, max, windowMs)
    } catch (error) {
      limit.onLimiterUnavailable?.(error)
      return local.hit(key, max, windowMs)
    }
  }
  return async (clientId: string | undefined, address: string): Promise<TokenRateDecision> => {
    const decisions = await Promise.all([
      hit(`oauth2-token:address:${keyPart(address)}`, limit.perAddress),
      ...(clientId === undefined ? [] : [hit(`oauth2-token:client:${keyPart(clientId)}`, limit.perClient)]),
    ])
    const denied = decisions.filter((decision) => !decision.allowed)
    if (denied.length === 0) return { allowed: true }
    const resetMs = Math.max(...denied.map((decision) => decision.reset_ms))
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)) }
  }
}
