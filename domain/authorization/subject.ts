import type { OrganizationRole } from '../users/user.ts'

// Who is calling the admin and analytics APIs, as authentication establishes it and authorization
// (the Rego policy) decides on it. One shape for every kind of caller, so the policy and the
// command context never care how the caller signed in.

export type SubjectKind = 'bootstrap' | 'user' | 'service_account'

export interface Subject {
  /** The event actor: `platform-admin` for the bootstrap token, `user:<id>`, `service-account:<id>`. */
  actor: string
  kind: SubjectKind
  /** Platform-wide: `platform_admin` sees and may do everything. */
  platform_admin: boolean
  /** organization_id → the roles the subject holds in it (a service account: exactly one organization). */
  memberships: Readonly<Record<string, readonly OrganizationRole[]>>
}

/** The bootstrap admin token's subject: platform-wide, as before sign-in existed. */
export const BOOTSTRAP_SUBJECT: Subject = {
  actor: 'platform-admin',
  kind: 'bootstrap',
  platform_admin: true,
  memberships: {},
}
