import type { Subject } from '../../../domain/authorization/subject.ts'
import type { OrganizationRole } from '../../../domain/users/user.ts'
import type { Ids } from './tenant-fixtures.ts'
import { asPerson, type CallerHeaders, type TenantPlatform } from './tenant-platform.ts'

// The organizations of the tenant matrix, made by the platform admin: each with a member, a key,
// a budget and a service account; and per role two callers of A, a signed-in service account and
// a person, each with resources of its own to act on (so one caller's revocations never meet
// another's requests).

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
  headers: CallerHeaders
  subject: Subject
  /** What it acts on in its own organization: its own key, budget and service account. */
  own: Ids
  /** The owner of its own key: a person itself (its own user is own.user_id); null for a machine. */
  keyOwner: string | null
}

/** A service account of `organization` holding `role`, signed in with client_credentials. */
export async function callerOf(
  platform: TenantPlatform,
  organization: Ids,
  role: OrganizationRole,
): Promise<Caller> {
  const { organization_id } = organization
  const account = await platform.asAdmin('POST', '/admin/v1/service-accounts', {
    organization_id,
    name: `caller ${role}`,
    roles: [role],
  })
  const subject: Subject = {
    actor: `service-account:${account.id}`,
    kind: 'service_account',
    platform_admin: false,
    memberships: { [organization_id]: [role] },
  }
  const token = await platform.token(account.client_id, account.client_secret)
  const own = await targetsOf(platform, organization, `machine ${role}`, null)
  return { headers: { authorization: `Bearer ${token}` }, subject, own, keyOwner: null }
}

/**
 * A person who is a member of `organization` holding `role`: its own user is own.user_id and its
 * own key is one it owns, so self-service and a member's own keys are in the sweep too.
 */
export async function personOf(
  platform: TenantPlatform,
  organization: Ids,
  role: OrganizationRole,
): Promise<Caller> {
  const { organization_id } = organization
  const user = await platform.asAdmin('POST', '/admin/v1/users', {
    email: `${role}@person.tenant.test`,
    display_name: `Person ${role}`,
  })
  const membership = `/admin/v1/organizations/${organization_id}/members/${user.id}`
  await platform.asAdmin('PUT', membership, { roles: [role] })
  const subject: Subject = {
    actor: `user:${user.id}`,
    kind: 'user',
    platform_admin: false,
    memberships: { [organization_id]: [role] },
  }
  const own = await targetsOf(platform, { ...organization, user_id: user.id }, `person ${role}`, user.id)
  return { headers: asPerson(subject), subject, own, keyOwner: user.id }
}

/** A key (owned by `owner`), a budget of that key and a service account, for one caller to act on. */
async function targetsOf(platform: TenantPlatform, organization: Ids, label: string, owner: string | null) {
  const { asAdmin } = platform
  const { organization_id } = organization
  const key = await asAdmin('POST', '/admin/v1/api-keys', {
    organization_id,
    name: `target ${label}`,
    ...(owner ? { owner_user_id: owner } : {}),
  })
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
    name: `target ${label}`,
    roles: ['member'],
  })
  return { ...organization, api_key_id: key.id, budget_id: budget.id, service_account_id: target.id }
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
