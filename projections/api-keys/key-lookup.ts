import type { Enforcement } from '../../domain/budgets/budget.ts'
import type { BudgetPeriod } from '../../domain/budgets/period.ts'
import { type SealedSecret, sealedSecretSchema } from '../../domain/secrets/sealed-secret.ts'
import type { Sql } from '../../infra/ports/database.ts'

/** A budget the router enforces on a key's requests: the organization's (api_key_id null) or the key's. */
export interface KeyBudget {
  budget_id: string
  api_key_id: string | null
  limit_micros: number
  period: BudgetPeriod
  enforcement: Enforcement
}

/** What the router needs to know of a key, found by the hash of the secret it was shown. */
export interface ApiKeyRecord {
  api_key_id: string
  organization_id: string
  name: string
  status: 'active' | 'revoked'
  /** The budgets that apply to the key's requests (its organization's and its own), oldest first. */
  budgets: KeyBudget[]
  /** The organization's time zone (its settings): budget periods start at its midnight. */
  organization_timezone: string
  organization_status: 'active' | 'suspended' | 'closed'
  /** Models the key may call; null allows every model. */
  allowed_models: string[] | null
  /** Models the organization's keys may call (its settings); null allows every model. */
  organization_allowed_models: string[] | null
  /** Requests per minute; null: the platform default (AIAAS_DEFAULT_KEY_RPM). */
  rpm_limit: number | null
  /** Tokens per minute; null: no token limit on the key. */
  tpm_limit: number | null
  /** The organization's own limits across all its keys (its settings); null: none. */
  organization_rpm_limit: number | null
  organization_tpm_limit: number | null
  /** When the spend ledger cannot answer: admit without limits (true) or refuse with 503 (false). */
  organization_limits_fail_open: boolean
  expires_at: string | null
  /** Set when the hash is a secret a rotation replaced: it works until then. */
  valid_until: string | null
  require_signature: boolean
  /** The key's request-signing secret, sealed (the router opens it); null: it has none. */
  signing_secret: SealedSecret | null
}

type Row = {
  api_key_id: string
  organization_id: string
  name: string
  status: string
  budgets: KeyBudget[]
  organization_timezone: string | null
  organization_status: string | null
  allowed_models: string[] | null
  organization_allowed_models: string[]
  organization_limits_models: boolean | null
  organization_rpm_limit: string | null
  organization_tpm_limit: string | null
  organization_limits_fail_open: boolean | null
  rpm_limit: number | null
  tpm_limit: number | null
  expires_at: Date | null
  valid_until: Date | null
  require_signature: boolean
  signing_secret: unknown
}

// The organization's status, allowed models, timezone and limits are read through to_jsonb, so this query
// works with and without the organization lifecycle columns (migration 0110) and, when they are
// there, reads them as they are. The budgets come in the same query (one round trip), as JSON.
const BUDGETS = `
  COALESCE((SELECT json_agg(json_build_object('budget_id', b.budget_id, 'api_key_id', b.api_key_id,
                    'limit_micros', b.limit_micros, 'period', b.period, 'enforcement', b.enforcement)
                    ORDER BY b.created_position)
              FROM rm_budgets b
             WHERE b.organization_id = k.organization_id AND (b.api_key_id IS NULL OR b.api_key_id = k.api_key_id)),
           '[]'::json)`

const LOOKUP = `
  WITH hit AS (
    SELECT api_key_id, NULL::timestamptz AS valid_until FROM rm_api_keys WHERE key_hash = $1
    UNION ALL
    SELECT api_key_id, valid_until FROM rm_api_key_previous_hashes WHERE key_hash = $1
  )
  SELECT k.api_key_id, k.organization_id, k.name, k.status,
         ${BUDGETS} AS budgets, to_jsonb(o) ->> 'timezone' AS organization_timezone,
         to_jsonb(o) ->> 'status' AS organization_status,
         ARRAY(SELECT jsonb_array_elements_text(
           CASE jsonb_typeof(to_jsonb(o) -> 'allowed_models') WHEN 'array' THEN to_jsonb(o) -> 'allowed_models'
           ELSE '[]'::jsonb END)) AS organization_allowed_models,
         jsonb_typeof(to_jsonb(o) -> 'allowed_models') = 'array' AS organization_limits_models,
         to_jsonb(o) ->> 'rpm_limit' AS organization_rpm_limit, to_jsonb(o) ->> 'tpm_limit' AS organization_tpm_limit,
         (to_jsonb(o) ->> 'limits_fail_open')::boolean AS organization_limits_fail_open,
         k.allowed_models, k.rpm_limit, k.tpm_limit, k.expires_at, hit.valid_until, k.require_signature,
         k.signing_secret
    FROM hit JOIN rm_api_keys k USING (api_key_id) JOIN rm_organizations o USING (organization_id)
   LIMIT 1`

// Read as text (the columns of migration 0430 are bigint; absent before it): null is no limit.
const limitOf = (limit: string | null): number | null => (limit === null ? null : Number(limit))

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
    budgets: row.budgets.map((budget) => ({ ...budget, limit_micros: Number(budget.limit_micros) })),
    organization_timezone: row.organization_timezone ?? 'UTC',
    organization_status: orgStatus(row.organization_status),
    allowed_models: row.allowed_models,
    organization_allowed_models: row.organization_limits_models ? row.organization_allowed_models : null,
    rpm_limit: row.rpm_limit,
    tpm_limit: row.tpm_limit,
    organization_rpm_limit: limitOf(row.organization_rpm_limit),
    organization_tpm_limit: limitOf(row.organization_tpm_limit),
    organization_limits_fail_open: row.organization_limits_fail_open === true,
    expires_at: row.expires_at?.toISOString() ?? null,
    valid_until: row.valid_until?.toISOString() ?? null,
    require_signature: row.require_signature,
    signing_secret: row.signing_secret === null ? null : sealedSecretSchema.parse(row.signing_secret),
  }
}
