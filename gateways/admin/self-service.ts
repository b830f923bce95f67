import type { Sql } from '../../infra/ports/database.ts'
import { findOrganization } from '../../projections/organizations/organizations.ts'
import { membershipsOf } from '../../projections/users/queries.ts'

/**
 * The organizations the user belongs to that require MFA (settings.mfa_required), as the read
 * models have them: a person may not disable its own TOTP while this is not empty.
 */
export async function requiredTotpBy(db: Sql, userId: string): Promise<string[]> {
  const memberships = await membershipsOf(db, userId)
  const organizations = await Promise.all(memberships.map((m) => findOrganization(db, m.organization_id)))
  return organizations.flatMap((org) => (org?.settings.mfa_required ? [org.id] : []))
}
