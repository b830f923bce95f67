import type { UserCommand } from '../../domain/users/decide.ts'
import { userDecider } from '../../domain/users/decider.ts'
import { userStream } from '../../domain/users/user.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'

/** The global position of the last event written, or null when nothing changed. */
export interface Changed {
  position: bigint | null
}

/** One command on its user's stream (load, decide, append), and where its last event landed. */
export async function decideUser(
  deps: CommandDeps,
  command: UserCommand,
  context: CommandContext,
): Promise<Changed> {
  const stream = userStream(command.data.user_id)
  const { positions } = await handleCommand(deps, stream, userDecider, command, context)
  return { position: positions.at(-1) ?? null }
}
