import type { Api, PageDef, Session } from './contract.ts'

// The session pages see, built from GET /admin/v1/me: who the user is, its organizations and
// what the policy lets it do in each (the same Rego policy the APIs enforce; docs/console.md).

export interface MeOrganization {
  id: string
  name: string
  roles: string[]
  /** Every action the policy allows the user in this organization (`api_keys:create`). */
  actions: string[]
}

export interface Me {
  user: { id: string; email: string; name?: string | null }
  platform_admin: boolean
  organizations: MeOrganization[]
  /** Actions on platform resources (the model catalogue, the organization list). */
  platform_actions: string[]
}

/** `api_keys.create` and `api_keys:create` name the same action. */
export const actionName = (action: string) => action.replace('.', ':')

/** The organization to show: the one asked for if the user has it, else the first. */
export function pickOrganization(me: Me, wanted: string | null): string {
  const found = me.organizations.find((org) => org.id === wanted)
  return found?.id ?? me.organizations[0]?.id ?? ''
}

export function buildSession(api: Api, me: Me, organizationId: string): Session {
  const org = me.organizations.find((candidate) => candidate.id === organizationId)
  const allowed = new Set([...(org?.actions ?? []), ...me.platform_actions])
  return {
    api,
    user: { id: me.user.id, email: me.user.email, name: me.user.name ?? undefined },
    organizationId,
    organizations: me.organizations.map(({ id, name }) => ({ id, name })),
    can: (action) => allowed.has(actionName(action)),
  }
}

/** The pages the navigation shows: those needing no action, and those whose action is allowed. */
export function allowedPages<P extends Pick<PageDef, 'action'>>(pages: readonly P[], session: Session): P[] {
  return pages.filter((page) => !page.action || session.can(page.action))
}
