import type { CommandContext, CommandDeps } from '../handle-command.ts'
import { type Changed, decideUser } from './decide-user.ts'

/** A successful sign-in: an invited user becomes active (UserActivated); anyone else, nothing. */
export function activateUser(
  deps: CommandDeps,
  input: { user_id: string },
  context: CommandContext,
): Promise<Changed> {
  const data = { user_id: input.user_id, now: deps.now().toISOString() }
  return decideUser(deps, { type: 'ActivateUser', data }, context)
}
