import type { Subject } from '../../../domain/authorization/subject.ts'
import type { OrganizationRole } from '../../../domain/users/user.ts'
import type { Ids } from './tenant-fixtures.ts'
import type { TenantPlatform } from './tenant-platform.ts'

// The organizations of the tenant matrix, made by the platform admin: each with a member, a key,
// a budget and a service account; and per role a signed-in service account of A with resources
// of its own to act on (so one role's revocations never meet another's requests).

export interface Organization {
  ids: Ids
  /** Everything of it another organization's caller must never read: ids, names, emails, prefixes. */
  secrets: string[]
}

export async function organizationWithResources(
  platform: TenantPlatform,
  label: string,
): Promise<Organization> {
  const { asAdmin } = platform
  const org = await asAdmin('POST', '/admin/v1/organizations', { name: `tenant ${label} org` })
  const organization_id: string = org.id
  const user = await asAdmin('POST', '/admin/v1/users', {
    email: `member-${label}@tenant.test`,
    display_name: `Member ${label}`,
  })
  await asAdmin('PUT', `/admin/v1/organizations/${organization_id}/members/${user.id}`, { roles: ['member'] })
  const key = await asAdmin('POST', '/admin/v1/api-keys', { organization_id, name: `key ${label}` })
  const budget = await asAdmin('POST', '/admin/v1/budgets', {
    organization_id,
    limit_usd: '9',
    period: 'monthly',
    enforcement: 'hard',
  })
  const account = await asAdmin('POST', '/admin/v1/service-accounts', {
    organization_id,
    name: `machine ${label}`,
    roles: ['member'],
  })
  const ids = {
    organization_id,
    api_key_id: key.id,
    budget_id: budget.id,
    service_account_id: account.id,
    user_id: user.id,
  }
  const named = [
    org.name,
    user.email,
    user.display_name,
    key.name,
    key.key_prefix,
    account.name,
    account.client_id,
  ]
  return {
    ids,
    secrets: [...named, ...Object.values(ids)].filter((text) => typeof text === 'string' && text !== ''),
  }
}

export interface Caller {
  token: string
  subject: Subject
  /** What it acts on in its own organization: its own key, budget and service account. */
  own: Ids
}

/** A service account of `organization` holding `role`, signed in with client_credentials. */
export async function callerOf(
  platform: TenantPlatform,
  organization: Ids,
  role: OrganizationRole,
): Promise<Caller> {
  const { asAdmin } = platform
  const { organization_id } = organization
  const account = await asAdmin('POST', '/admin/v1/service-accounts', {
    organization_id,
    name: `caller ${role}`,
    roles: [role],
  })
  const key = await asAdmin('POST', '/admin/v1/api-keys', { organization_id, name: `target ${role}` })
  // One budget per organization and period: each caller's is its key's.
  const budget = await asAdmin('POST', '/admin/v1/budgets', {
    organization_id,
    api_key_id: key.id,
    limit_usd: '3',
    period: 'daily',
    enforcement: 'soft',
  })
  const target = await asAdmin('POST', '/admin/v1/service-accounts', {
    organization_id,
    name: `target ${role}`,
    roles: ['member'],
  })
  const subject: Subject = {
    actor: `service-account:${account.id}`,
    kind: 'service_account',
    platform_admin: false,
    memberships: { [organization_id]: [role] },
  }
  const own = { ...organization, api_key_id: key.id, budget_id: budget.id, service_account_id: target.id }
  return { token: await platform.token(account.client_id, account.client_secret), subject, own }
}

/** What the platform admin reads of an organization: the same before and after every sweep. */
export async function readOrganization(platform: TenantPlatform, ids: Ids): Promise<string> {
  const org = `organization_id=${ids.organization_id}`
  const reads = [
    `/admin/v1/organizations/${ids.organization_id}`,
    `/admin/v1/api-keys?${org}`,
    `/admin/v1/api-keys/${ids.api_key_id}`,
    `/admin/v1/budgets?${org}`,
    `/admin/v1/budgets/${ids.budget_id}`,
    `/admin/v1/service-accounts?${org}`,
    `/admin/v1/users?${org}`,
    `/admin/v1/users/${ids.user_id}`,
  ]
  return JSON.stringify(await Promise.all(reads.map((url) => platform.asAdmin('GET', url))))
}
