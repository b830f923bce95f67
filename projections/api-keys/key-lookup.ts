import type { Sql } from '../../infra/ports/database.ts'

/** What the router needs to know of a key, found by the hash of the secret it was shown. */
export interface ApiKeyRecord {
  api_key_id: string
  organization_id: string
  name: string
  status: 'active' | 'revoked'
  /** The organization's monthly budget in USD, null when it has none: the router enforces it. */
  organization_monthly_limit_usd: number | null
  organization_status: 'active' | 'suspended' | 'closed'
  /** Models the key may call; null allows every model. */
  allowed_models: string[] | null
  /** Models the organization's keys may call (its settings); null allows every model. */
  organization_allowed_models: string[] | null
  /** Requests per minute; null: the platform default (AIAAS_DEFAULT_KEY_RPM). */
  rpm_limit: number | null
  /** Tokens per minute: stored, enforced by a later issue. */
  tpm_limit: number | null
  expires_at: string | null
  /** Set when the hash is a secret a rotation replaced: it works until then. */
  valid_until: string | null
  require_signature: boolean
}

type Row = {
  api_key_id: string
  organization_id: string
  name: string
  status: string
  monthly_limit_usd: string | number | null
  organization_status: string | null
  allowed_models: string[] | null
  organization_allowed_models: string[]
  organization_limits_models: boolean | null
  rpm_limit: number | null
  tpm_limit: number | null
  expires_at: Date | null
  valid_until: Date | null
  require_signature: boolean
}

// The organization's status and allowed models are read through to_jsonb, so this query works
// with and without the organization lifecycle columns (migration 0110) and, when they are there,
// reads them as they are.
const LOOKUP = `
  WITH hit AS (
    SELECT api_key_id, NULL::timestamptz AS valid_until FROM rm_api_keys WHERE key_hash = $1
    UNION ALL
    SELECT api_key_id, valid_until FROM rm_api_key_previous_hashes WHERE key_hash = $1
  )
  SELECT k.api_key_id, k.organization_id, k.name, k.status,
         (SELECT b.limit_micros / 1000000.0 FROM rm_budgets b
           WHERE b.organization_id = k.organization_id AND b.api_key_id IS NULL
             AND b.period = 'monthly' AND b.enforcement = 'hard') AS monthly_limit_usd,
         to_jsonb(o) ->> 'status' AS organization_status,
         ARRAY(SELECT jsonb_array_elements_text(
           CASE jsonb_typeof(to_jsonb(o) -> 'allowed_models') WHEN 'array' THEN to_jsonb(o) -> 'allowed_models'
           ELSE '[]'::jsonb END)) AS organization_allowed_models,
         jsonb_typeof(to_jsonb(o) -> 'allowed_models') = 'array' AS organization_limits_models,
         k.allowed_models, k.rpm_limit, k.tpm_limit, k.expires_at, hit.valid_until, k.require_signature
    FROM hit JOIN rm_api_keys k USING (api_key_id) JOIN rm_organizations o USING (organization_id)
   LIMIT 1`

const orgStatus = (status: string | null): ApiKeyRecord['organization_status'] =>
  status === 'suspended' || status === 'closed' ? status : 'active'

export async function findApiKeyByHash(db: Sql, keyHash: string): Promise<ApiKeyRecord | null> {
  const { rows } = await db.query<Row>(LOOKUP, [keyHash])
  const row = rows[0]
  if (!row) return null
  return {
    api_key_id: row.api_key_id,
    organization_id: row.organization_id,
    name: row.name,
    status: row.status === 'active' ? 'active' : 'revoked',
    organization_monthly_limit_usd: row.monthly_limit_usd === null ? null : Number(row.monthly_limit_usd),
    organization_status: orgStatus(row.organization_status),
    allowed_models: row.allowed_models,
    organization_allowed_models: row.organization_limits_models ? row.organization_allowed_models : null,
    rpm_limit: row.rpm_limit,
    tpm_limit: row.tpm_limit,
    expires_at: row.expires_at?.toISOString() ?? null,
    valid_until: row.valid_until?.toISOString() ?? null,
    require_signature: row.require_signature,
  }
}
