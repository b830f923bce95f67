import type { Subject } from '../../domain/authorization/subject.ts'
import { emailKey } from '../../domain/users/email.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { findUser, membershipsOf } from './queries.ts'

// What people's sign-in and their access tokens read of users (tables: migrations 0120-0122).

/** The user holding this email (case-insensitive, by the reservation key), or null. */
export async function userIdByEmail(db: Sql, email: string): Promise<string | null> {
  const { rows } = await db.query<{ user_id: string }>(
    `SELECT u.user_id FROM email_reservations r JOIN rm_users u ON u.user_id = r.user_id
      WHERE r.email_key = $1`,
    [emailKey(email)],
  )
  return rows[0]?.user_id ?? null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A person's Subject as the read model has it now: roles and platform_admin at this moment, so a
 * change applies to the next request. Null for an unknown or disabled user. An invited user is
 * accepted: a token exists only after a sign-in, which records the activation, and the read model
 * may not have applied it yet.
 */
export async function userSubject(db: Sql, userId: string): Promise<Subject | null> {
  if (!UUID.test(userId)) return null
  const user = await findUser(db, userId)
  if (!user || user.status === 'disabled') return null
  const memberships: Record<string, Subject['memberships'][string]> = {}
  for (const { organization_id, roles } of await membershipsOf(db, userId))
    memberships[organization_id] = roles
  return { actor: `user:${userId}`, kind: 'user', platform_admin: user.platform_admin, memberships }
}

/** A person as the issuer's ID tokens name them; null for an unknown or disabled user. */
export async function signInPerson(
  db: Sql,
  userId: string,
): Promise<{ email: string; display_name: string } | null> {
  const user = UUID.test(userId) ? await findUser(db, userId) : null
  return user && user.status !== 'disabled' ? { email: user.email, display_name: user.display_name } : null
}

/** Whether any organization the user is a member of requires a second factor. */
export async function mfaRequiredFor(db: Sql, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ required: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM rm_memberships m JOIN rm_organizations o USING (organization_id)
      WHERE m.user_id = $1 AND o.mfa_required) AS required`,
    [userId],
  )
  return rows[0]?.required === true
}
