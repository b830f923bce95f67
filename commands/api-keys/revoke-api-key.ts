import { apiKeyStream } from '../../domain/api-keys/api-key.ts'
import { apiKeyDecider } from '../../domain/api-keys/decider.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'

export interface RevokedApiKey {
  api_key_id: string
  revoked_at: string
  position: bigint
}

/** Turns a key off for good; its rotated-out secrets still in their grace period stop with it. */
export async function revokeApiKey(
  deps: CommandDeps,
  input: { api_key_id: string },
  context: CommandContext,
): Promise<RevokedApiKey> {
  const now = deps.now().toISOString()
  const { positions } = await handleCommand(
    deps,
    apiKeyStream(input.api_key_id),
    apiKeyDecider,
    { type: 'RevokeApiKey', data: { api_key_id: input.api_key_id, now } },
    context,
  )
  return { api_key_id: input.api_key_id, revoked_at: now, position: positions.at(-1) ?? 0n }
}
