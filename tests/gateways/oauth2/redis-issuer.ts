import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { mountIssuer } from '../../../gateways/oauth2/mount.ts'
import type { Keyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createRedisStore } from '../../../infra/oidc/redis-store.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { createRedisRateLimiter } from '../../../infra/redis/rate-limiter.ts'

// The issuer as `aiaas identity` runs it: its store and its token-endpoint limiter on Redis (here
// at a URL the test chooses: the real one, a proxy it can cut, a server that never answers).
export const REDIS_ISSUER = 'http://issuer.test/oauth2'

export interface RedisIssuerOptions {
  /** The suite's: every issuer on one database must open the signing keys the first one sealed. */
  keyring: Keyring
  keyPrefix: string
  perClient: number
  perAddress: number
  /** Bounds each Redis command (the adapters' default otherwise). */
  commandTimeoutMs?: number
  /** Where the server and the adapters go, for the suite to close. */
  opened: Array<{ close(): Promise<void> }>
}

/** Starts the issuer on the Redis at `url`, over real HTTP; resolves with its base URL. */
export async function startRedisIssuer(db: Database, url: string, options: RedisIssuerOptions) {
  const { keyPrefix, commandTimeoutMs } = options
  const redis = commandTimeoutMs === undefined ? { keyPrefix } : { keyPrefix, commandTimeoutMs }
  const oidc = createRedisStore(url, redis)
  const limiter = createRedisRateLimiter(url, redis)
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('oauth2-redis-issuer-test') })
  options.opened.push(app, oidc, limiter)
  const secrets = createSecretBox(db, options.keyring)
  await mountIssuer(app, { db, secrets, store: oidc.store }, REDIS_ISSUER, {
    tokenRateLimit: { limiter, perClient: options.perClient, perAddress: options.perAddress },
  })
  return app.listen({ host: '127.0.0.1', port: 0 })
}
