import type { OrganizationRole } from '../../domain/users/user.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { type Listed, listOrganizationResources, type OrganizationListQuery } from '../organization-lists.ts'

// What the admin API shows of a service account (never its secret, never its hash), and what the
// OAuth2 issuer needs to check a client (the hash, and whether it is active).

export interface ServiceAccountView {
  id: string
  organization_id: string
  name: string
  roles: OrganizationRole[]
  client_id: string
  status: 'active' | 'revoked'
  created_at: string
  rotated_at: string | null
  revoked_at: string | null
  /** Stream version of its last event: the ETag of the resource. */
  version: number
}

type Row = {
  service_account_id: string
  organization_id: string
  name: string
  roles: OrganizationRole[]
  client_id: string
  status: string
  created_at: Date
  rotated_at: Date | null
  revoked_at: Date | null
  version: number
}

const COLUMNS = `service_account_id, organization_id, name, roles, client_id, status, created_at, rotated_at,
  revoked_at, version`

const iso = (date: Date | null): string | null => date?.toISOString() ?? null

function toView(row: Row): ServiceAccountView {
  const { service_account_id, status, created_at, rotated_at, revoked_at, version, ...rest } = row
  return {
    ...rest,
    id: service_account_id,
    status: status === 'active' ? 'active' : 'revoked',
    created_at: created_at.toISOString(),
    rotated_at: iso(rotated_at),
    revoked_at: iso(revoked_at),
    version: Number(version),
  }
}

export async function findServiceAccount(db: Sql, id: string): Promise<ServiceAccountView | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM rm_service_accounts WHERE service_account_id = $1`,
    [id],
  )
  return rows[0] ? toView(rows[0]) : null
}

export type ListedServiceAccount = Listed<ServiceAccountView>

/** One page of an organization's service accounts in commit order (projections/organization-lists.ts). */
export const listServiceAccounts = (db: Sql, query: OrganizationListQuery): Promise<ListedServiceAccount[]> =>
  listOrganizationResources(db, { table: 'rm_service_accounts', columns: COLUMNS, toView }, query)

/** What the issuer checks a client against: found by client_id, whatever its status. */
export interface ServiceAccountClient {
  service_account_id: string
  organization_id: string
  roles: OrganizationRole[]
  client_id: string
  secret_hash: string
  active: boolean
}

export async function findServiceAccountClient(
  db: Sql,
  clientId: string,
): Promise<ServiceAccountClient | null> {
  const { rows } = await db.query<Omit<ServiceAccountClient, 'active'> & { status: string }>(
    `SELECT service_account_id, organization_id, roles, client_id, secret_hash, status
       FROM rm_service_accounts WHERE client_id = $1`,
    [clientId],
  )
  const row = rows[0]
  if (!row) return null
  const { status, ...rest } = row
  return { ...rest, active: status === 'active' }
}
