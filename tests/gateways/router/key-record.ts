import type { ApiKeyRecord, KeyBudget } from '../../../projections/api-keys/key-lookup.ts'

/** An active key of an active organization with no limits of its own; tests override fields. */
export const keyRecord = (fields: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  api_key_id: 'k1',
  organization_id: 'o1',
  name: 'k',
  status: 'active',
  budgets: [],
  organization_timezone: 'UTC',
  organization_status: 'active',
  allowed_models: null,
  organization_allowed_models: null,
  rpm_limit: null,
  tpm_limit: null,
  organization_rpm_limit: null,
  organization_tpm_limit: null,
  organization_limits_fail_open: false,
  expires_at: null,
  valid_until: null,
  require_signature: false,
  signing_secret: null,
  ...fields,
})

/** The organization's monthly hard budget of `usd` (none when null), as the key lookup carries it. */
export const monthlyBudget = (usd: number | null): KeyBudget[] =>
  usd === null
    ? []
    : [
        {
          budget_id: '0190a8e2-0000-8000-8000-0000000000b1',
          api_key_id: null,
          limit_micros: Math.round(usd * 1_000_000),
          period: 'monthly',
          enforcement: 'hard',
        },
      ]
