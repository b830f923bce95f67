import { userDecider } from '../../domain/users/decider.ts'
import { userStream } from '../../domain/users/user.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'
import type { Changed } from './update-user.ts'

/** A successful sign-in: an invited user becomes active (UserActivated); anyone else, nothing. */
export async function activateUser(
  deps: CommandDeps,
  input: { user_id: string },
  context: CommandContext,
): Promise<Changed> {
  const { positions } = await handleCommand(
    deps,
    userStream(input.user_id),
    userDecider,
    { type: 'ActivateUser', data: { user_id: input.user_id, now: deps.now().toISOString() } },
    context,
  )
  return { position: positions.at(-1) ?? null }
}
