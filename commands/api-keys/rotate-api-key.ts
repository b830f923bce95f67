import { apiKeyStream } from '../../domain/api-keys/api-key.ts'
import { apiKeyDecider } from '../../domain/api-keys/decider.ts'
import { hashKeySecret, keyPrefix, newKeySecret } from '../../domain/api-keys/key-secret.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'

export interface RotatedApiKey {
  api_key_id: string
  organization_id: string
  /** The new secret: returned once, never stored. */
  key: string
  key_prefix: string
  /** When the previous secret stops working. */
  previous_valid_until: string
  rotated_at: string
  position: bigint
}

/** A new secret for the same key (same id, limits and models); the old one works for the grace. */
export async function rotateApiKey(
  deps: CommandDeps,
  input: { api_key_id: string; grace_seconds: number },
  context: CommandContext,
): Promise<RotatedApiKey> {
  const key = newKeySecret()
  const now = deps.now().toISOString()
  const data = { ...input, key_hash: hashKeySecret(key), key_prefix: keyPrefix(key), now }
  const { events, positions } = await handleCommand(
    deps,
    apiKeyStream(input.api_key_id),
    apiKeyDecider,
    { type: 'RotateApiKey', data },
    context,
  )
  const event = events[0]
  if (event?.type !== 'ApiKeyRotated') throw new Error('rotation decided no ApiKeyRotated event')
  const { organization_id, previous_valid_until } = event.data
  return {
    api_key_id: input.api_key_id,
    organization_id,
    key,
    key_prefix: data.key_prefix,
    previous_valid_until,
    rotated_at: now,
    position: positions.at(-1) ?? 0n,
  }
}
