import { AppError } from '../../domain/errors.ts'
import { userDecider } from '../../domain/users/decider.ts'
import { emailKey } from '../../domain/users/email.ts'
import { userStream } from '../../domain/users/user.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'
import type { EmailReservations } from './email-reservations.ts'

export interface UserCommandDeps extends CommandDeps {
  emails: EmailReservations
}

export interface CreatedUser {
  user_id: string
  email: string
  display_name: string
  status: 'active' | 'invited'
  created_at: string
  position: bigint
}

/**
 * A claim whose user never got a stream is abandoned (its creator crashed between the claim and
 * the append). After this long it may be taken over; before, its creator may still be appending.
 */
export const ABANDONED_CLAIM_MS = 10 * 60_000

async function claimEmail(deps: UserCommandDeps, key: string, userId: string, email: string) {
  const now = deps.now()
  const claim = await deps.emails.claim(key, userId, now)
  if (claim.claimed) return
  const abandoned =
    now.getTime() - claim.claimed_at.getTime() >= ABANDONED_CLAIM_MS &&
    (await deps.store.readStream(userStream(claim.holder), { limit: 1 })).length === 0
  if (abandoned && (await deps.emails.takeOver(key, claim.holder, userId, now))) return
  throw new AppError('EMAIL_TAKEN', 'another user has this email address', { email })
}

/**
 * Gives the claim back after a failed create, but only when the user's stream is empty: an append
 * whose reply was lost (DATABASE_UNAVAILABLE) may have committed, and then the claim is the
 * user's. When even that cannot be read, the claim stays; claimEmail takes over an abandoned one.
 */
async function releaseUnlessCreated(deps: UserCommandDeps, key: string, userId: string): Promise<void> {
  try {
    const created = await deps.store.readStream(userStream(userId), { limit: 1 })
    if (created.length === 0) await deps.emails.release(key, userId)
  } catch {
    // The caller's error is the one to report; this claim is left to the takeover.
  }
}

/**
 * Claims the email, then appends UserCreated (or UserInvited). The claim is the one cross-stream
 * rule (docs/adr/0009-email-reservation.md); when the create fails, the claim is released again.
 */
export async function createUser(
  deps: UserCommandDeps,
  input: { email: string; display_name: string; invite: boolean },
  context: CommandContext,
): Promise<CreatedUser> {
  const user_id = deps.newId()
  const now = deps.now().toISOString()
  const key = emailKey(input.email)
  await claimEmail(deps, key, user_id, input.email)
  try {
    const { positions } = await handleCommand(
      deps,
      userStream(user_id),
      userDecider,
      { type: 'CreateUser', data: { user_id, ...input, now } },
      context,
    )
    const status = input.invite ? 'invited' : 'active'
    const { email, display_name } = input
    return { user_id, email, display_name, status, created_at: now, position: positions.at(-1) ?? 0n }
  } catch (error) {
    await releaseUnlessCreated(deps, key, user_id)
    throw error
  }
}
