import { credentialStream } from '../../domain/credentials/credentials.ts'
import { credentialDecider } from '../../domain/credentials/decider.ts'
import { checkPasswordLength } from '../../domain/credentials/password-policy.ts'
import { hashPassword } from '../../infra/crypto/password.ts'
import { type CommandContext, handleCommand } from '../handle-command.ts'
import { type CredentialDeps, loadUser, presenceOf } from './credential-deps.ts'

/** The argon2id hash of a password that passes the length rule, sealed, under a new password id. */
export async function sealedPassword(deps: CredentialDeps, password: string) {
  checkPasswordLength(password)
  return { password_id: deps.newId(), password: await deps.secrets.seal(await hashPassword(password)) }
}

/** PUT /users/{id}/password: an admin sets a user's password (it also ends a lock-out). */
export async function setPassword(
  deps: CredentialDeps,
  input: { user_id: string; password: string },
  context: CommandContext,
): Promise<{ position: bigint | null }> {
  const { user_id } = input
  const user = presenceOf(await loadUser(deps, user_id))
  const sealed = await sealedPassword(deps, input.password)
  const now = deps.now().toISOString()
  const { positions } = await handleCommand(
    deps,
    credentialStream(user_id),
    credentialDecider,
    { type: 'SetPassword', data: { user_id, ...sealed, now }, user },
    context,
  )
  return { position: positions.at(-1) ?? null }
}
