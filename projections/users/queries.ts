import type { OrganizationRole } from '../../domain/users/user.ts'
import type { Sql } from '../../infra/ports/database.ts'

// The queries the admin API reads users and memberships with (tables: migrations 0120-0123).

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

export type ListedUser = UserRow & { created_position: bigint }

export interface UserPage {
  limit: number
  /** `created_position` of the last user of the previous page; null: from the start. */
  after: bigint | null
  /** Only members of this organization. */
  organization_id?: string | undefined
  status?: UserRow['status'] | undefined
}

/**
 * Users in commit order: by the global position of their creation event, which the projector
 * applies without gaps, so a user who becomes visible while a client pages sorts after every
 * cursor the client holds (migration 0123).
 */
export async function listUsers(db: Sql, page: UserPage): Promise<ListedUser[]> {
  const { rows } = await db.query<Stored & { created_position: string | number | bigint }>(
    `SELECT ${columns}, created_position FROM rm_users u
      WHERE ($1::bigint IS NULL OR u.created_position > $1::bigint)
        AND ($2::text IS NULL OR u.status = $2::text)
        AND ($3::uuid IS NULL OR EXISTS (
              SELECT 1 FROM rm_memberships m WHERE m.user_id = u.user_id AND m.organization_id = $3::uuid))
      ORDER BY u.created_position LIMIT $4`,
    [page.after, page.status ?? null, page.organization_id ?? null, page.limit],
  )
  return rows.map(({ created_position, ...row }) => ({
    ...toRow(row),
    created_position: BigInt(created_position),
  }))
}

/** The memberships of each of these users (one query for a page of users). */
export async function membershipsOfUsers(
  db: Sql,
  userIds: readonly string[],
): Promise<Map<string, MembershipRow[]>> {
  const { rows } = await db.query<{ user_id: string; organization_id: string; roles: OrganizationRole[] }>(
    `SELECT user_id, organization_id, roles FROM rm_memberships
      WHERE user_id = ANY($1::uuid[]) ORDER BY user_id, organization_id`,
    [userIds],
  )
  const byUser = new Map<string, MembershipRow[]>(userIds.map((id) => [id, []]))
  for (const { user_id, organization_id, roles } of rows)
    byUser.get(user_id)?.push({ organization_id, roles })
  return byUser
}

export async function membershipsOf(db: Sql, userId: string): Promise<MembershipRow[]> {
  return (await membershipsOfUsers(db, [userId])).get(userId) ?? []
}
