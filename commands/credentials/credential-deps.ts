import type { UserPresence } from '../../domain/credentials/decide.ts'
import { AppError } from '../../domain/errors.ts'
import { userDecider } from '../../domain/users/decider.ts'
import { type User, userStream } from '../../domain/users/user.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { type CommandDeps, loadState } from '../handle-command.ts'

/** Credentials need the secret box: the password hash and the TOTP secret are stored sealed. */
export interface CredentialDeps extends CommandDeps {
  secrets: SecretBox
}

/** The user, as their own stream has it now. */
export async function loadUser(deps: CommandDeps, userId: string): Promise<User> {
  return (await loadState(deps.store, userStream(userId), userDecider)).state
}

export const presenceOf = (user: User): UserPresence =>
  user.status === 'Absent' ? 'absent' : user.status === 'Disabled' ? 'disabled' : 'enabled'

const MAX_CHECKS = 3

/**
 * Runs a check-then-record step again when the decider says the credential changed between the
 * check (a hash, a TOTP secret read before deciding) and the decision (VERSION_CONFLICT).
 */
export async function checkedAgainOnChange<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step()
    } catch (error) {
      const conflict = error instanceof AppError && error.code === 'VERSION_CONFLICT'
      if (!conflict || attempt >= MAX_CHECKS) throw error
    }
  }
}

export type Locked = { outcome: 'locked'; retry_after_seconds: number }

/**
 * Records an attempt; a concurrent failure may have locked the credential between the check and
 * the decision, and then the answer is `locked`, as it would have been a moment later.
 */
export async function unlessLocked<T>(record: () => Promise<T>): Promise<T | Locked> {
  try {
    return await record()
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'CREDENTIALS_LOCKED')) throw error
    const seconds = error.details?.retry_after_seconds
    return { outcome: 'locked', retry_after_seconds: typeof seconds === 'number' ? seconds : 1 }
  }
}
