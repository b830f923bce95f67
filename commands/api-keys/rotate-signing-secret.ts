import { apiKeyStream } from '../../domain/api-keys/api-key.ts'
import { apiKeyDecider } from '../../domain/api-keys/decider.ts'
import { newSigningSecret } from '../../domain/api-keys/signing-secret.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'
import { seal } from './issue-api-key.ts'

export interface RotatedSigningSecret {
  api_key_id: string
  organization_id: string
  /** The new signing secret: returned once, stored only sealed. */
  signing_secret: string
  signing_secret_set_at: string
  position: bigint
}

/**
 * A new request-signing secret for a key (its first, for a key issued without one). The previous
 * secret stops at once: a signature is checked within seconds of being made, so a caller switches
 * to the new secret by its next request, and a leaked secret is what rotation is for.
 */
export async function rotateSigningSecret(
  deps: CommandDeps,
  input: { api_key_id: string },
  context: CommandContext,
  secrets: SecretBox | undefined,
): Promise<RotatedSigningSecret> {
  const signing_secret = newSigningSecret()
  const now = deps.now().toISOString()
  const data = { api_key_id: input.api_key_id, signing_secret: await seal(secrets, signing_secret), now }
  const { events, positions } = await handleCommand(
    deps,
    apiKeyStream(input.api_key_id),
    apiKeyDecider,
    { type: 'RotateSigningSecret', data },
    context,
  )
  const event = events[0]
  if (event?.type !== 'ApiKeySigningSecretSet') throw new Error('rotation decided no ApiKeySigningSecretSet')
  return {
    api_key_id: input.api_key_id,
    organization_id: event.data.organization_id,
    signing_secret,
    signing_secret_set_at: now,
    position: positions.at(-1) ?? 0n,
  }
}
