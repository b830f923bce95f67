import type { FastifyInstance } from 'fastify'
import type { Config } from '../../infra/config/config.ts'
import type { OidcStore } from '../../infra/oidc/adapter.ts'
import type { Database } from '../../infra/ports/database.ts'
import type { RateLimiter } from '../../infra/ports/rate-limiter.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import type { AccessTokenVerifier } from '../http/access-tokens.ts'
import { throttled } from '../processes/throttled-log.ts'
import { consumingOnce } from './consume-once.ts'
import { mountSignInPages } from './interactions/mount-pages.ts'
import { openIssuer } from './open-issuer.ts'
import { oauth2Routes } from './routes.ts'
import { answeringUnavailable, outageAnswered } from './store-unavailable.ts'
import type { TokenRateLimit } from './token-rate-limit.ts'

/** AIAAS_ISSUER_URL, else this process's own address (its `port`) under /oauth2. */
export function issuerUrl(config: Config, port: number): string {
  return (config.AIAAS_ISSUER_URL ?? `http://${config.AIAAS_HOST}:${port}/oauth2`).replace(/\/$/, '')
}

/** The token endpoint's limits of `config`, counted on `limiter`. */
export function tokenRateLimit(config: Config, limiter: RateLimiter) {
  return {
    limiter,
    perClient: config.AIAAS_OAUTH2_TOKEN_RATE_PER_CLIENT,
    perAddress: config.AIAAS_OAUTH2_TOKEN_RATE_PER_ADDRESS,
  }
}

// An outage fails every request that needs the store: said once per 10 s, not once per request.
const OUTAGE_LOG_MS = 10_000

/**
 * Serves the issuer at /oauth2 on `app`; returns the verifier of its access tokens. Its store's
 * outages are answered 503 `temporarily_unavailable` (store-unavailable.ts), a code redeemed twice
 * at once fails the second (consume-once.ts); with `tokenRateLimit` POST /oauth2/token is limited
 * per client and per address.
 */
export async function mountIssuer(
  app: FastifyInstance,
  adapters: { db: Database; secrets: SecretBox; store: OidcStore },
  issuer: string,
  options: { tokenRateLimit?: Omit<TokenRateLimit, 'onLimiterUnavailable'> } = {},
): Promise<AccessTokenVerifier> {
  const warn = throttled(OUTAGE_LOG_MS, (error: unknown, message: string) =>
    app.log.warn({ err: error }, message),
  )
  const store = answeringUnavailable(consumingOnce(adapters.store), (error) =>
    warn('store', error, 'OAuth2 issuer: its store does not answer; answering 503'),
  )
  const opened = await openIssuer(adapters.db, adapters.secrets, issuer, store)
  opened.provider.on('server_error', (ctx, error) => {
    if (outageAnswered(ctx, error))
      warn('database', error, 'OAuth2 issuer: the database does not answer; answering 503')
    else app.log.error({ err: error }, 'OAuth2 issuer failed')
  })
  const limit = options.tokenRateLimit
  const tokenRateLimit = limit && {
    ...limit,
    onLimiterUnavailable: (error: unknown) =>
      warn(
        'limiter',
        error,
        'OAuth2 token rate limit: the shared limiter does not answer; counting per replica',
      ),
  }
  await app.register(oauth2Routes, { prefix: '/oauth2', provider: opened.provider, tokenRateLimit })
  await mountSignInPages(app, '/oauth2', { ...adapters, store, provider: opened.provider })
  return opened.verifyAccessToken
}
