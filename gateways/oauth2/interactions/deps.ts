import type { FastifyRequest } from 'fastify'
import type { Provider } from 'oidc-provider'
import type { CredentialDeps } from '../../../commands/credentials/credential-deps.ts'
import type { CommandContext } from '../../../commands/handle-command.ts'
import type { OidcStore } from '../../../infra/oidc/adapter.ts'
import type { Sql } from '../../../infra/ports/database.ts'
import { clip } from '../../http/clip.ts'
import type { Throttle } from './throttle.ts'

/** What the sign-in pages need: the issuer, its store, the read models and the credential commands. */
export interface InteractionDeps {
  provider: Provider
  store: OidcStore
  db: Sql
  credentials: CredentialDeps
  /** Per client address, on the password and second-factor posts. */
  throttle: Throttle
}

/** The actor of what a sign-in records before the password is checked. */
export const ANONYMOUS = 'anonymous'

export function signInContext(request: FastifyRequest, actor: string): CommandContext {
  const agent = request.headers['user-agent']
  return {
    actor,
    correlation_id: request.id,
    causation_id: null,
    source: 'oauth2-sign-in',
    source_ip: request.ip,
    user_agent: typeof agent === 'string' ? clip(agent) : null,
  }
}
