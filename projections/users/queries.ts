import type { OrganizationRole } from '../../domain/users/user.ts'
import type { Sql } from '../../infra/ports/database.ts'

// The queries the admin API reads users and memberships with (tables: migrations 0120, 0121).

export interface MembershipRow {
  organization_id: string
  roles: OrganizationRole[]
}

export interface UserRow {
  id: string
  email: string
  display_name: string
  status: 'active' | 'invited' | 'disabled'
  platform_admin: boolean
  created_at: string
  /** The user stream's version: the ETag of GET /users/{id}. */
  version: number
}

type Stored = {
  user_id: string
  email: string
  display_name: string
  status: UserRow['status']
  platform_admin: boolean
  created_at: Date
  version: number
}

const columns = 'user_id, email, display_name, status, platform_admin, created_at, version'

const toRow = ({ user_id, created_at, ...rest }: Stored): UserRow => ({
  id: user_id,
  ...rest,
  created_at: created_at.toISOString(),
})

export async function findUser(db: Sql, userId: string): Promise<UserRow | null> {
  const { rows } = await db.query<Stored>(`SELECT ${columns} FROM rm_users WHERE user_id = $1`, [userId])
  return rows[0] ? toRow(rows[0]) : null
}

/** Users in id order (uuidv7: creation order), those after `after` when given. */
export async function listUsers(db: Sql, page: { limit: number; after: string | null }): Promise<UserRow[]> {
  const { rows } = await db.query<Stored>(
    `SELECT ${columns} FROM rm_users WHERE $1::uuid IS NULL OR user_id > $1::uuid ORDER BY user_id LIMIT $2`,
    [page.after, page.limit],
  )
  return rows.map(toRow)
}

export async function membershipsOf(db: Sql, userId: string): Promise<MembershipRow[]> {
  const { rows } = await db.query<{ organization_id: string; roles: OrganizationRole[] }>(
    'SELECT organization_id, roles FROM rm_memberships WHERE user_id = $1 ORDER BY organization_id',
    [userId],
  )
  return rows.map(({ organization_id, roles }) => ({ organization_id, roles }))
}
