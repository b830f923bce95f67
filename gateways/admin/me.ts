import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ACTIONS, type Action, type Resource } from '../../domain/authorization/actions.ts'
import type { Subject } from '../../domain/authorization/subject.ts'
import { AppError } from '../../domain/errors.ts'
import type { OrganizationRole } from '../../domain/users/user.ts'
import type { Authorizer } from '../../infra/ports/authorizer.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { findOrganization, listOrganizations } from '../../projections/organizations/organizations.ts'
import { findUser } from '../../projections/users/queries.ts'
import type { AdminDeps } from './context.ts'
import { me } from './me-schemas.ts'

// GET /admin/v1/me: the caller, its organizations, and every action the policy allows it in each,
// decided by the very authorizer every route is decided by (docs/security.md, docs/console.md).
// Open to any authenticated caller (route-actions.ts: a user reads itself).

/** The organizations a platform admin sees listed here (the console's switcher); the API has no such cap. */
export const PLATFORM_ADMIN_ORGANIZATIONS = 500

const ownerOf = (subject: Subject) => (subject.kind === 'user' ? subject.actor.replace(/^user:/, '') : null)

/** The actions `subject` may take on `organizationId`'s resources (null: on platform resources). */
export function allowedActions(
  authorizer: Authorizer,
  subject: Subject,
  organizationId: string | null,
): Action[] {
  return ACTIONS.filter((action) => {
    const resource: Resource = {
      type: action.slice(0, action.indexOf(':')),
      organization_id: organizationId,
      // The caller's own: what `member` may do to the keys it owns counts as allowed.
      owner: organizationId === null ? null : ownerOf(subject),
    }
    return authorizer.decide({ subject, action, resource }).allow
  })
}

async function organizationsOf(db: Sql, subject: Subject) {
  if (subject.platform_admin) {
    const listed = await listOrganizations(db, { after: null, limit: PLATFORM_ADMIN_ORGANIZATIONS })
    const held = (id: string) => subject.memberships[id] ?? []
    return listed.map((org) => ({ id: org.id, name: org.name, roles: [...held(org.id)] }))
  }
  const entries = Object.entries(subject.memberships) as [string, readonly OrganizationRole[]][]
  const found = await Promise.all(entries.map(([id]) => findOrganization(db, id)))
  return entries.flatMap(([id, roles], at) => {
    const org = found[at]
    return org ? [{ id, name: org.name, roles: [...roles] }] : []
  })
}

async function whoIs(db: Sql, subject: Subject) {
  const id = ownerOf(subject)
  if (id === null) return { id: subject.actor, email: '', name: null }
  const user = await findUser(db, id)
  if (!user) throw new AppError('USER_NOT_FOUND', 'no such user', { user_id: id })
  return { id, email: user.email, name: user.display_name || null }
}

export const meRoutes: FastifyPluginAsyncZod<AdminDeps & { authorizer: Authorizer }> = async (app, deps) => {
  app.get('/me', { schema: { response: { 200: me } } }, async (request) => {
    const subject = request.subject
    if (!subject) throw new AppError('UNAUTHENTICATED', 'a valid bearer token is required')
    const organizations = await organizationsOf(deps.readModels, subject)
    return {
      object: 'me' as const,
      user: await whoIs(deps.readModels, subject),
      kind: subject.kind,
      platform_admin: subject.platform_admin,
      organizations: organizations.map((org) => ({
        ...org,
        actions: allowedActions(deps.authorizer, subject, org.id),
      })),
      platform_actions: allowedActions(deps.authorizer, subject, null),
    }
  })
}
