import type { ApiKeyEvent } from '../../domain/api-keys/api-key.ts'
import type { Sql } from '../../infra/ports/database.ts'

// Read model: API keys by hash, for the router's authentication (never the secret itself).
export async function projectApiKey(event: ApiKeyEvent, position: bigint, tx: Sql): Promise<void> {
  switch (event.type) {
    case 'ApiKeyIssued': {
      const d = event.data
      await tx.query(
        `INSERT INTO rm_api_keys
           (api_key_id, organization_id, name, key_hash, key_prefix, status, created_at, position)
         VALUES ($1, $2, $3, $4, $5, 'active', $6, $7) ON CONFLICT (api_key_id) DO NOTHING`,
        [d.api_key_id, d.organization_id, d.name, d.key_hash, d.key_prefix, d.issued_at, position],
      )
      return
    }
    default: {
      const unknown: never = event.type
      throw new Error(`unknown event ${unknown}`)
    }
  }
}

export interface ApiKeyRecord {
  api_key_id: string
  organization_id: string
  name: string
  status: 'active' | 'revoked'
  /** The organization's monthly budget in USD, null when it has none: the router enforces it. */
  organization_monthly_limit_usd: number | null
}

export async function findApiKeyByHash(db: Sql, keyHash: string): Promise<ApiKeyRecord | null> {
  const { rows } = await db.query<{
    api_key_id: string
    organization_id: string
    name: string
    status: string
    monthly_limit_usd: string | number | null
  }>(
    `SELECT k.api_key_id, k.organization_id, k.name, k.status, o.monthly_limit_usd
       FROM rm_api_keys k JOIN rm_organizations o USING (organization_id)
      WHERE k.key_hash = $1`,
    [keyHash],
  )
  const row = rows[0]
  if (!row) return null
  const { monthly_limit_usd, ...key } = row
  return {
    ...key,
    status: row.status === 'active' ? 'active' : 'revoked',
    organization_monthly_limit_usd: monthly_limit_usd === null ? null : Number(monthly_limit_usd),
  }
}
