import { hashClientSecret, newClientSecret } from '../../domain/service-accounts/client-secret.ts'
import { serviceAccountDecider } from '../../domain/service-accounts/decider.ts'
import { serviceAccountStream } from '../../domain/service-accounts/service-account.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'

export interface RotatedSecret {
  service_account_id: string
  /** The new secret: returned once, never stored. The old one stops at once (no grace). */
  client_secret: string
  rotated_at: string
  position: bigint
}

/**
 * A new client secret; the previous one gets no token from now on. Tokens already issued stay
 * valid until they expire (minutes): access tokens are self-contained JWTs (docs/adr/0015).
 */
export async function rotateServiceAccountSecret(
  deps: CommandDeps,
  input: { service_account_id: string },
  context: CommandContext,
): Promise<RotatedSecret> {
  const client_secret = newClientSecret()
  const now = deps.now().toISOString()
  const data = { ...input, secret_hash: hashClientSecret(client_secret), now }
  const { positions } = await handleCommand(
    deps,
    serviceAccountStream(input.service_account_id),
    serviceAccountDecider,
    { type: 'RotateServiceAccountSecret', data },
    context,
  )
  return { ...input, client_secret, rotated_at: now, position: positions.at(-1) ?? 0n }
}

/** Turns the account off for good: its secret gets no token any more. */
export async function revokeServiceAccount(
  deps: CommandDeps,
  input: { service_account_id: string },
  context: CommandContext,
): Promise<{ position: bigint }> {
  const now = deps.now().toISOString()
  const { positions } = await handleCommand(
    deps,
    serviceAccountStream(input.service_account_id),
    serviceAccountDecider,
    { type: 'RevokeServiceAccount', data: { ...input, now } },
    context,
  )
  return { position: positions.at(-1) ?? 0n }
}
