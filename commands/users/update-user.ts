import type { UpdateUser } from '../../domain/users/decide.ts'
import type { CommandContext, CommandDeps } from '../handle-command.ts'
import { type Changed, decideUser } from './decide-user.ts'

/** PATCH /users/{id}: a new display name, a disable, the platform_admin role; one append. */
export function updateUser(
  deps: CommandDeps,
  input: Omit<UpdateUser['data'], 'now'>,
  context: CommandContext,
): Promise<Changed> {
  return decideUser(deps, { type: 'UpdateUser', data: { ...input, now: deps.now().toISOString() } }, context)
}
