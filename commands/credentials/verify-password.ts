import { credentialStream } from '../../domain/credentials/credentials.ts'
import { credentialDecider } from '../../domain/credentials/decider.ts'
import { lockedForMs } from '../../domain/credentials/lockout.ts'
import { AppError } from '../../domain/errors.ts'
import { hashPassword, verifyPassword as matches, needsRehash } from '../../infra/crypto/password.ts'
import { type CommandContext, handleCommand, loadState } from '../handle-command.ts'
import {
  type CredentialDeps,
  checkedAgainOnChange,
  type Locked,
  loadUser,
  presenceOf,
  unlessLocked,
} from './credential-deps.ts'

export type PasswordOutcome = { outcome: 'ok' } | { outcome: 'invalid' } | Locked

/** A hash to check against when no password can succeed, so that answer takes as long as a wrong one. */
let decoy: Promise<string> | undefined

async function refused(password: string): Promise<PasswordOutcome> {
  decoy ??= hashPassword('no password can succeed for this user')
  await matches(password, await decoy)
  return { outcome: 'invalid' }
}

/**
 * Checks a sign-in password and records the outcome (failures count towards the lock-out). A
 * locked credential is refused before any hash is computed: no oracle while locked. A user without
 * a password, unknown or disabled is `invalid`, as slowly as a wrong password and with nothing
 * recorded. The login flow calls this; no HTTP route exposes it.
 */
export function verifyPassword(
  deps: CredentialDeps,
  input: { user_id: string; password: string },
  context: CommandContext,
): Promise<PasswordOutcome> {
  const { user_id } = input
  const stream = credentialStream(user_id)
  return checkedAgainOnChange(async () => {
    const { state } = await loadState(deps.store, stream, credentialDecider)
    const now = deps.now().toISOString()
    if (!state.password || presenceOf(await loadUser(deps, user_id)) !== 'enabled')
      return refused(input.password)
    const lockedMs = lockedForMs(state.password_attempts, now)
    if (lockedMs > 0) return { outcome: 'locked', retry_after_seconds: Math.ceil(lockedMs / 1000) }
    const phc = await deps.secrets.open(state.password.sealed)
    const matched = await matches(input.password, phc)
    const { password_id } = state.password
    const command = { type: 'RecordPasswordAttempt' as const, data: { user_id, password_id, matched, now } }
    return unlessLocked(async (): Promise<PasswordOutcome> => {
      await handleCommand(deps, stream, credentialDecider, command, context)
      if (!matched) return { outcome: 'invalid' }
      if (needsRehash(phc)) await rehash(deps, { user_id, password_id, password: input.password }, context)
      return { outcome: 'ok' }
    })
  })
}

/**
 * A hash made under older argon2id parameters is replaced, at the sign-in that proved the password,
 * by one under today's (ADR 0016): the password is in hand only now. A password changed meanwhile
 * stands as it is (the re-hash is refused as a version conflict and skipped).
 */
async function rehash(
  deps: CredentialDeps,
  input: { user_id: string; password_id: string; password: string },
  context: CommandContext,
): Promise<void> {
  const { user_id, password_id: old_password_id } = input
  // Not sealedPassword(): a password set under an older length rule still signs in.
  const sealed = {
    password_id: deps.newId(),
    password: await deps.secrets.seal(await hashPassword(input.password)),
  }
  const data = { user_id, old_password_id, ...sealed, now: deps.now().toISOString() }
  try {
    await handleCommand(
      deps,
      credentialStream(user_id),
      credentialDecider,
      { type: 'RehashPassword', data },
      context,
    )
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'VERSION_CONFLICT')) throw error
  }
}
