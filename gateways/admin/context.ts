import type { FastifyRequest } from 'fastify'
import type { CommandContext, CommandDeps } from '../../commands/handle-command.ts'
import { isAppError } from '../../domain/errors.ts'
import type { AddressClass } from '../../domain/models/backend-address.ts'
import type { Authorizer } from '../../infra/ports/authorizer.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { HealthBoard } from '../../infra/ports/health-board.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import type { AccessTokenVerifier } from '../http/access-tokens.ts'
import type { DenialBudget } from '../http/denial-budget.ts'
import type { ReadinessCheck } from '../http/readiness.ts'
import { requestMetadata } from '../http/request-metadata.ts'
import { nameText } from '../http/text.ts'

/** What every admin resource file receives: registered as a fastify plugin with these options. */
export interface AdminDeps {
  commands: CommandDeps
  readModels: Sql
  adminToken: string
  /** Resolves once the read models include the given global position (read-your-writes). */
  awaitProjection: (position: bigint) => Promise<void>
  readiness: readonly ReadinessCheck[]
  /** Seals the model catalogue's provider API keys (docs/adr/0010); absent: none can be stored. */
  secrets?: SecretBox | undefined
  /** AIAAS_BACKEND_ALLOWED_ADDRESSES; absent: public backend addresses only. */
  backendAddresses?: readonly AddressClass[] | undefined
  /** Decides every request (docs/security.md); absent: the kept policy.wasm, loaded once here. */
  authorizer?: Authorizer | undefined
  /** The issuer's access tokens (gateways/http/access-tokens.ts); absent: the admin token only. */
  verifyAccessToken?: AccessTokenVerifier | undefined
  /** Bounds the AccessDenied events per actor (denial-budget.ts); absent: DENIAL_BUDGET. */
  denialBudget?: DenialBudget | undefined
  /** The routers' shared circuits (ADR 0019), read by /models/{name}/health; absent: it answers 503. */
  healthBoard?: HealthBoard | undefined
}

/** A resource's display name: one line, 1..200 characters, trimmed. */
export const name = nameText(200, { trim: true })

/** The actor of the bootstrap admin token (BOOTSTRAP_SUBJECT's). */
export const ADMIN_ACTOR = 'platform-admin'

/**
 * Who the request acts as: its authenticated subject's actor (`platform-admin` for the admin
 * token, `service-account:<id>` for an access token). A route outside authentication has none.
 */
export const actorOf = (request: FastifyRequest): string => request.subject?.actor ?? ADMIN_ACTOR

/** A User-Agent is stored in every event it causes: bounded (gateways/http/request-metadata.ts). */
export { USER_AGENT_MAX_CHARS } from '../http/request-metadata.ts'

/**
 * The command context of an admin request, built here and nowhere else: who (the authenticated
 * subject's actor), which request, and from where (requestMetadata: the peer address, the
 * clipped User-Agent).
 */
export const commandContext = (request: FastifyRequest): CommandContext =>
  requestMetadata(request, actorOf(request), 'admin-api')

/**
 * The read-your-writes wait of a write that answers from the event store, not the read models
 * (organizations, models): a projector lagging past the wait (READ_MODEL_LAGGING) does not fail
 * it, since its answer is right either way; a GET that follows may not show it yet.
 */
export async function awaitProjectionOrAnswerFromLog(deps: AdminDeps, position: bigint | null) {
  if (position === null) return
  try {
    await deps.awaitProjection(position)
  } catch (error) {
    if (!isAppError(error) || error.code !== 'READ_MODEL_LAGGING') throw error
  }
}
