import type { FastifyRequest } from 'fastify'
import type { CommandContext, CommandDeps } from '../../commands/handle-command.ts'
import type { AddressClass } from '../../domain/models/backend-address.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import type { ReadinessCheck } from '../http/readiness.ts'
import { nameText } from '../http/text.ts'

/** What every admin resource file receives: registered as a fastify plugin with these options. */
export interface AdminDeps {
  commands: CommandDeps
  readModels: Sql
  adminToken: string
  /** Resolves once the read models include the given global position (read-your-writes). */
  awaitProjection: (position: bigint) => Promise<void>
  readiness: readonly ReadinessCheck[]
  /** Seals the model catalogue's provider API keys (docs/adr/0009); absent: none can be stored. */
  secrets?: SecretBox | undefined
  /** AIAAS_BACKEND_ALLOWED_ADDRESSES; absent: public backend addresses only. */
  backendAddresses?: readonly AddressClass[] | undefined
}

/** A resource's display name: one line, 1..200 characters, trimmed. */
export const name = nameText(200, { trim: true })

/** The command context of an admin request, built here and nowhere else. */
export function commandContext(request: FastifyRequest): CommandContext {
  return {
    actor: 'platform-admin',
    correlation_id: request.id,
    causation_id: null,
    source: 'admin-api',
  }
}
