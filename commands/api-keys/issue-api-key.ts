import { type ApiKeyOptions, apiKeyStream } from '../../domain/api-keys/api-key.ts'
import { apiKeyDecider } from '../../domain/api-keys/decider.ts'
import { hashKeySecret, keyPrefix, newKeySecret } from '../../domain/api-keys/key-secret.ts'
import { newSigningSecret } from '../../domain/api-keys/signing-secret.ts'
import { AppError } from '../../domain/errors.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { userDecider } from '../../domain/users/decider.ts'
import { userStream } from '../../domain/users/user.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { type CommandContext, type CommandDeps, handleCommand, loadState } from '../handle-command.ts'

export interface IssueApiKeyInput {
  organization_id: string
  name: string
  allowed_models?: string[] | null | undefined
  rpm_limit?: number | null | undefined
  tpm_limit?: number | null | undefined
  expires_at?: string | null | undefined
  owner_user_id?: string | null | undefined
  require_signature?: boolean | undefined
}

export interface IssuedApiKey extends ApiKeyOptions {
  api_key_id: string
  organization_id: string
  name: string
  /** The secret: returned once, never stored. */
  key: string
  /** The request-signing secret of a key that requires signatures: returned once, stored sealed. */
  signing_secret: string | null
  key_prefix: string
  created_at: string
  position: bigint
}

export async function issueApiKey(
  deps: CommandDeps,
  input: IssueApiKeyInput,
  context: CommandContext,
  /** Seals the signing secret of a key that requires signatures (none: such a key is refused). */
  secrets?: SecretBox,
): Promise<IssuedApiKey> {
  const api_key_id = deps.newId()
  const key = newKeySecret()
  const signing_secret = input.require_signature ? newSigningSecret() : null
  const now = deps.now().toISOString()
  const organization = await loadState(
    deps.store,
    organizationStream(input.organization_id),
    organizationDecider,
  )
  const owner = input.owner_user_id
    ? (await loadState(deps.store, userStream(input.owner_user_id), userDecider)).state
    : null
  const data = {
    api_key_id,
    organization_id: input.organization_id,
    name: input.name,
    key_hash: hashKeySecret(key),
    key_prefix: keyPrefix(key),
    allowed_models: input.allowed_models ?? null,
    rpm_limit: input.rpm_limit ?? null,
    tpm_limit: input.tpm_limit ?? null,
    expires_at: input.expires_at ?? null,
    owner_user_id: input.owner_user_id ?? null,
    require_signature: input.require_signature ?? false,
    signing_secret: signing_secret === null ? null : await seal(secrets, signing_secret),
    now,
  }
  const { events, positions } = await handleCommand(
    deps,
    apiKeyStream(api_key_id),
    apiKeyDecider,
    { type: 'IssueApiKey', data, organization: organization.state, owner },
    context,
  )
  const { key_hash: _hash, now: _now, signing_secret: _sealed, ...shown } = data
  const allowed_models = events[0]?.type === 'ApiKeyIssued' ? events[0].data.allowed_models : null
  const position = positions.at(-1) ?? 0n
  return { ...shown, allowed_models, key, signing_secret, created_at: now, position }
}

/** Seals a signing secret; without a secret box this process cannot keep one (no AIAAS_KEK). */
export function seal(secrets: SecretBox | undefined, plaintext: string) {
  if (!secrets) throw new AppError('SECRETS_UNAVAILABLE', 'no key-encryption key is configured (AIAAS_KEK)')
  return secrets.seal(plaintext)
}
