import { credentialStream } from '../../domain/credentials/credentials.ts'
import { credentialDecider } from '../../domain/credentials/decider.ts'
import {
  hashOneTimeSecret,
  invitationUser,
  newInvitationToken,
} from '../../domain/credentials/one-time-secrets.ts'
import { AppError } from '../../domain/errors.ts'
import { type CommandContext, handleCommand } from '../handle-command.ts'
import { type CredentialDeps, loadUser, presenceOf } from './credential-deps.ts'
import { sealedPassword } from './set-password.ts'

/** How long an invitation link works: long enough for a weekend, short enough to go stale. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000

export interface IssuedInvitation {
  /** Shown once; only its SHA-256 hash is stored. A new invitation replaces the previous one. */
  token: string
  expires_at: string
  position: bigint
}

export async function issueInvitation(
  deps: CredentialDeps,
  input: { user_id: string },
  context: CommandContext,
): Promise<IssuedInvitation> {
  const { user_id } = input
  const user = presenceOf(await loadUser(deps, user_id))
  const token = newInvitationToken(user_id)
  const at = deps.now()
  const expires_at = new Date(at.getTime() + INVITATION_TTL_MS).toISOString()
  const data = { user_id, token_hash: hashOneTimeSecret(token), expires_at, now: at.toISOString() }
  const { positions } = await handleCommand(
    deps,
    credentialStream(user_id),
    credentialDecider,
    { type: 'IssueInvitation', data, user },
    context,
  )
  return { token, expires_at, position: positions.at(-1) ?? 0n }
}

/** POST /invitations/{token}/password: the token is the credential; it works once. */
export async function acceptInvitation(
  deps: CredentialDeps,
  input: { token: string; password: string },
  context: CommandContext,
): Promise<{ user_id: string; position: bigint | null }> {
  const user_id = invitationUser(input.token)
  if (!user_id) throw new AppError('INVITATION_INVALID', 'the invitation is not valid')
  const user = presenceOf(await loadUser(deps, user_id))
  const sealed = await sealedPassword(deps, input.password)
  const data = {
    user_id,
    token_hash: hashOneTimeSecret(input.token),
    ...sealed,
    now: deps.now().toISOString(),
  }
  const { positions } = await handleCommand(
    deps,
    credentialStream(user_id),
    credentialDecider,
    { type: 'AcceptInvitation', data, user },
    context,
  )
  return { user_id, position: positions.at(-1) ?? null }
}
