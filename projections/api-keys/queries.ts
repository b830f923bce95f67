import type { ApiKeyOptions } from '../../domain/api-keys/api-key.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { type Listed, listOrganizationResources, type OrganizationListQuery } from '../organization-lists.ts'

// What the admin API shows of a key: never the secret, never its hash.
export interface ApiKeyView extends ApiKeyOptions {
  id: string
  organization_id: string
  name: string
  key_prefix: string
  status: 'active' | 'revoked'
  created_at: string
  revoked_at: string | null
  rotated_at: string | null
  /** When its request-signing secret was last set; null: it has none. */
  signing_secret_set_at: string | null
  /** Stream version of its last event: the ETag of the resource. */
  version: number
}

type Row = {
  api_key_id: string
  organization_id: string
  name: string
  key_prefix: string
  status: string
  allowed_models: string[] | null
  rpm_limit: number | null
  tpm_limit: number | null
  expires_at: Date | null
  owner_user_id: string | null
  require_signature: boolean
  created_at: Date
  revoked_at: Date | null
  rotated_at: Date | null
  signing_secret_set_at: Date | null
  version: string | number
}

const COLUMNS = `api_key_id, organization_id, name, key_prefix, status, allowed_models, rpm_limit,
  tpm_limit, expires_at, owner_user_id, require_signature, created_at, revoked_at, rotated_at, signing_secret_set_at, version`

const iso = (date: Date | null): string | null => date?.toISOString() ?? null

function toView(row: Row): ApiKeyView {
  const { api_key_id, status, expires_at, created_at, revoked_at, rotated_at, version, ...rest } = row
  const { signing_secret_set_at, ...fields } = rest
  return {
    ...fields,
    id: api_key_id,
    status: status === 'active' ? 'active' : 'revoked',
    expires_at: iso(expires_at),
    created_at: created_at.toISOString(),
    revoked_at: iso(revoked_at),
    rotated_at: iso(rotated_at),
    signing_secret_set_at: iso(signing_secret_set_at),
    version: Number(version),
  }
}

export async function findApiKey(db: Sql, apiKeyId: string): Promise<ApiKeyView | null> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM rm_api_keys WHERE api_key_id = $1`, [apiKeyId])
  const row = rows[0]
  return row ? toView(row) : null
}

export type ListedApiKey = Listed<ApiKeyView>

/** One page of an organization's keys in commit order (projections/organization-lists.ts). */
export const listApiKeys = (db: Sql, query: OrganizationListQuery): Promise<ListedApiKey[]> =>
  listOrganizationResources(db, { table: 'rm_api_keys', columns: COLUMNS, toView }, query)
