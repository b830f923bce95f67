import { apiKeyStream } from '../../domain/api-keys/api-key.ts'
import { apiKeyDecider } from '../../domain/api-keys/decider.ts'
import { hashKeySecret, keyPrefix, newKeySecret } from '../../domain/api-keys/key-secret.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { type CommandContext, type CommandDeps, handleCommand, loadState } from '../handle-command.ts'

export interface IssuedApiKey {
  api_key_id: string
  organization_id: string
  name: string
  /** The secret: returned once, never stored. */
  key: string
  key_prefix: string
  created_at: string
  position: bigint
}

export async function issueApiKey(
  deps: CommandDeps,
  input: { organization_id: string; name: string },
  context: CommandContext,
): Promise<IssuedApiKey> {
  const api_key_id = deps.newId()
  const key = newKeySecret()
  const now = deps.now().toISOString()
  const organization = await loadState(
    deps.store,
    organizationStream(input.organization_id),
    organizationDecider,
  )
  const data = {
    api_key_id,
    organization_id: input.organization_id,
    name: input.name,
    key_hash: hashKeySecret(key),
    key_prefix: keyPrefix(key),
    now,
  }
  const { positions } = await handleCommand(
    deps,
    apiKeyStream(api_key_id),
    apiKeyDecider,
    { type: 'IssueApiKey', data, organization: organization.state },
    context,
  )
  return {
    ...input,
    api_key_id,
    key,
    key_prefix: data.key_prefix,
    created_at: now,
    position: positions.at(-1) ?? 0n,
  }
}
