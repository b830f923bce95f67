import { credentialStream } from '../../domain/credentials/credentials.ts'
import { credentialDecider } from '../../domain/credentials/decider.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'

/** DELETE /users/{id}/mfa/totp: an admin resets a user's TOTP and recovery codes. */
export async function disableTotp(
  deps: CommandDeps,
  input: { user_id: string },
  context: CommandContext,
): Promise<{ position: bigint | null }> {
  const { positions } = await handleCommand(
    deps,
    credentialStream(input.user_id),
    credentialDecider,
    { type: 'DisableTotp', data: { user_id: input.user_id, now: deps.now().toISOString() } },
    context,
  )
  return { position: positions.at(-1) ?? null }
}
