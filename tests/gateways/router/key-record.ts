import type { ApiKeyRecord } from '../../../projections/api-keys/key-lookup.ts'

/** An active key of an active organization with no limits of its own; tests override fields. */
export const keyRecord = (fields: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  api_key_id: 'k1',
  organization_id: 'o1',
  name: 'k',
  status: 'active',
  organization_monthly_limit_usd: null,
  organization_status: 'active',
  allowed_models: null,
  organization_allowed_models: null,
  rpm_limit: null,
  tpm_limit: null,
  expires_at: null,
  valid_until: null,
  require_signature: false,
  ...fields,
})
