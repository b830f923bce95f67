import type { UpdateUser } from '../../domain/users/decide.ts'
import { userDecider } from '../../domain/users/decider.ts'
import { userStream } from '../../domain/users/user.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'

/** The global position of the last event written, or null when nothing changed. */
export interface Changed {
  position: bigint | null
}

/** PATCH /users/{id}: a new display name, a disable, the platform_admin role; one append. */
export async function updateUser(
  deps: CommandDeps,
  input: Omit<UpdateUser['data'], 'now'>,
  context: CommandContext,
): Promise<Changed> {
  const { positions } = await handleCommand(
    deps,
    userStream(input.user_id),
    userDecider,
    { type: 'UpdateUser', data: { ...input, now: deps.now().toISOString() } },
    context,
  )
  return { position: positions.at(-1) ?? null }
}
