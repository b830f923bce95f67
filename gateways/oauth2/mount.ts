import type { FastifyInstance } from 'fastify'
import type { Config } from '../../infra/config/config.ts'
import type { OidcStore } from '../../infra/oidc/adapter.ts'
import type { Database } from '../../infra/ports/database.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import type { AccessTokenVerifier } from '../http/access-tokens.ts'
import { openIssuer } from './open-issuer.ts'
import { oauth2Routes } from './routes.ts'

/** AIAAS_ISSUER_URL, else this process's own address (its `port`) under /oauth2. */
export function issuerUrl(config: Config, port: number): string {
  return (config.AIAAS_ISSUER_URL ?? `http://${config.AIAAS_HOST}:${port}/oauth2`).replace(/\/$/, '')
}

/** Serves the issuer at /oauth2 on `app`; returns the verifier of its access tokens. */
export async function mountIssuer(
  app: FastifyInstance,
  adapters: { db: Database; secrets: SecretBox; store: OidcStore },
  issuer: string,
): Promise<AccessTokenVerifier> {
  const opened = await openIssuer(adapters.db, adapters.secrets, issuer, adapters.store)
  opened.provider.on('server_error', (_ctx, error) => app.log.error({ err: error }, 'OAuth2 issuer failed'))
  await app.register(oauth2Routes, { prefix: '/oauth2', provider: opened.provider })
  return opened.verifyAccessToken
}
