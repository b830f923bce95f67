// The organization roles (domain/users/user.ts's ORGANIZATION_ROLES, in the same order) and a
// user's roles in one organization. Pure: tested in tests/gateways/console/roles.unit.test.ts.

export const ROLES = ['org_owner', 'org_admin', 'billing_admin', 'analyst', 'auditor', 'member'] as const

export type Role = (typeof ROLES)[number]

export const isRole = (text: string): text is Role => (ROLES as readonly string[]).includes(text)

/** The roles `user` holds in `organizationId`, in ROLES order; [] when it is no member. */
export function rolesIn(
  user: { memberships: ReadonlyArray<{ organization_id: string; roles: readonly string[] }> },
  organizationId: string,
): Role[] {
  const held = new Set(user.memberships.find((m) => m.organization_id === organizationId)?.roles ?? [])
  return ROLES.filter((role) => held.has(role))
}
