import type { ApiKeyEvent } from '../../domain/api-keys/api-key.ts'
import type { Sql } from '../../infra/ports/database.ts'

export { type ApiKeyRecord, findApiKeyByHash } from './key-lookup.ts'

// Read model: API keys by hash, for the router's authentication and the admin API's lists (never
// the secret). Tables: infra/migrations/0010, 0130, 0131 and 0310. Updates are guarded by position, so
// a replayed older event never overwrites a newer row; `version` counts the stream's events
// (the first is stream version 0), so it equals the stream version of the key's last event.

async function projectIssued(
  event: Extract<ApiKeyEvent, { type: 'ApiKeyIssued' }>,
  position: bigint,
  tx: Sql,
) {
  const d = event.data
  await tx.query(
    `INSERT INTO rm_api_keys
       (api_key_id, organization_id, name, key_hash, key_prefix, status, created_at, position,
        allowed_models, rpm_limit, tpm_limit, expires_at, owner_user_id, require_signature, version,
        created_position)
     VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11, $12, $13, 0, $7)
     ON CONFLICT (api_key_id) DO NOTHING`,
    [
      d.api_key_id,
      d.organization_id,
      d.name,
      d.key_hash,
      d.key_prefix,
      d.issued_at,
      position,
      d.allowed_models,
      d.rpm_limit,
      d.tpm_limit,
      d.expires_at,
      d.owner_user_id,
      d.require_signature,
    ],
  )
}

/**
 * The replaced secret works until its grace ends; one replaced earlier stops no later than that,
 * so rotating with grace 0 after a leak stops every earlier secret at once.
 */
async function projectRotated(
  event: Extract<ApiKeyEvent, { type: 'ApiKeyRotated' }>,
  position: bigint,
  tx: Sql,
) {
  const d = event.data
  await tx.query(
    `UPDATE rm_api_key_previous_hashes SET valid_until = LEAST(valid_until, $2), position = $3
      WHERE api_key_id = $1 AND position < $3`,
    [d.api_key_id, d.previous_valid_until, position],
  )
  await tx.query(
    `INSERT INTO rm_api_key_previous_hashes (key_hash, api_key_id, valid_until, position)
     VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING`,
    [d.previous_key_hash, d.api_key_id, d.previous_valid_until, position],
  )
  await tx.query(
    `UPDATE rm_api_keys SET key_hash = $2, key_prefix = $3, rotated_at = $4, position = $5, version = version + 1
      WHERE api_key_id = $1 AND position < $5`,
    [d.api_key_id, d.key_hash, d.key_prefix, d.rotated_at, position],
  )
}

/** The sealed secret replaces the previous one (no grace: commands/api-keys/rotate-signing-secret.ts). */
async function projectSigningSecretSet(
  event: Extract<ApiKeyEvent, { type: 'ApiKeySigningSecretSet' }>,
  position: bigint,
  tx: Sql,
) {
  const d = event.data
  await tx.query(
    `UPDATE rm_api_keys SET signing_secret = $2, signing_secret_set_at = $3, position = $4, version = version + 1
      WHERE api_key_id = $1 AND position < $4`,
    [d.api_key_id, JSON.stringify(d.signing_secret), d.set_at, position],
  )
}

export async function projectApiKey(event: ApiKeyEvent, position: bigint, tx: Sql): Promise<void> {
  switch (event.type) {
    case 'ApiKeyIssued':
      return projectIssued(event, position, tx)
    case 'ApiKeyRevoked':
      await tx.query(
        `UPDATE rm_api_keys SET status = 'revoked', revoked_at = $2, position = $3, version = version + 1
          WHERE api_key_id = $1 AND position < $3`,
        [event.data.api_key_id, event.data.revoked_at, position],
      )
      return
    case 'ApiKeyRotated':
      return projectRotated(event, position, tx)
    case 'ApiKeySigningSecretSet':
      return projectSigningSecretSet(event, position, tx)
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}
