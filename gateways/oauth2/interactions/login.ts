import { verifyPassword } from '../../../commands/credentials/verify-password.ts'
import type { CommandContext } from '../../../commands/handle-command.ts'
import { loadState } from '../../../commands/handle-command.ts'
import { credentialStream } from '../../../domain/credentials/credentials.ts'
import { credentialDecider } from '../../../domain/credentials/decider.ts'
import { mfaRequiredFor, userIdByEmail } from '../../../projections/users/sign-in.ts'
import type { InteractionDeps } from './deps.ts'

// The login step: email and password. An unknown email and a wrong password get the same answer,
// as slowly (verifyPassword checks against a decoy hash); a disabled user's password never
// matches; a locked credential says when to retry. After the password: a second factor when the
// user has TOTP, an enrolment when an organization of theirs requires one and they have none.

export const WRONG_CREDENTIALS = 'Wrong email or password.'

/** A user id no one has: its credential stream is empty, so its check ends at the decoy hash. */
const NO_USER = '00000000-0000-0000-0000-000000000000'

export type LoginStep =
  | { next: 'done' | 'second_factor' | 'enrol'; user_id: string }
  | { next: 'refused'; message: string; status: 401 | 429; retry_after_seconds?: number }

export const retryIn = (seconds: number) => `Too many attempts; retry in ${seconds} s.`

export async function checkPassword(
  deps: InteractionDeps,
  input: { email: string; password: string },
  context: CommandContext,
): Promise<LoginStep> {
  const userId = await userIdByEmail(deps.db, input.email)
  const checked = await verifyPassword(
    deps.credentials,
    { user_id: userId ?? NO_USER, password: input.password },
    context,
  )
  if (checked.outcome === 'locked') {
    const seconds = checked.retry_after_seconds
    return { next: 'refused', message: retryIn(seconds), status: 429, retry_after_seconds: seconds }
  }
  if (checked.outcome !== 'ok' || userId === null) {
    return { next: 'refused', message: WRONG_CREDENTIALS, status: 401 }
  }
  return { next: await afterPassword(deps, userId), user_id: userId }
}

async function afterPassword(
  deps: InteractionDeps,
  userId: string,
): Promise<'done' | 'second_factor' | 'enrol'> {
  const { state } = await loadState(deps.credentials.store, credentialStream(userId), credentialDecider)
  if (state.totp.status === 'Confirmed') return 'second_factor'
  return (await mfaRequiredFor(deps.db, userId)) ? 'enrol' : 'done'
}
