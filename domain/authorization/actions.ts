// What a request may ask to do, as the policy (policy.rego's `grants`) knows it: one word per
// resource and verb. A route declares one of these; an action the policy does not know is refused
// to everyone, so a typo fails closed (tests/domain/authorization).
export const ACTIONS = [
  'organizations:create',
  'organizations:list',
  'organizations:read',
  'organizations:update',
  'organizations:suspend',
  'organizations:reactivate',
  'organizations:close',
  'api_keys:create',
  'api_keys:list',
  'api_keys:read',
  'api_keys:revoke',
  'api_keys:rotate',
  'budgets:create',
  'budgets:list',
  'budgets:read',
  'budgets:update',
  'budgets:delete',
  'members:list',
  'members:update',
  'members:delete',
  'service_accounts:create',
  'service_accounts:list',
  'service_accounts:read',
  'service_accounts:rotate',
  'service_accounts:revoke',
  'users:create',
  'users:list',
  'users:read',
  'users:update',
  'users:mfa',
  'models:create',
  'models:list',
  'models:read',
  'models:update',
  'models:delete',
  'analytics:read',
  'audit:export',
  'audit:verify',
] as const

export type Action = (typeof ACTIONS)[number]

/** What a request acts on: its organization decides who may (null: a platform resource). */
export interface Resource {
  type: string
  organization_id: string | null
  /**
   * The user who owns it, for what a user may do to its own: an API key's owner_user_id (`member`'s
   * own keys), a user resource's own id (self-service); else null.
   */
  owner: string | null
  /** The roles the request hands out (a membership, a service account): bounded by the caller's. */
  roles?: readonly string[]
}

/**
 * The policy's answer. A refusal says how to answer it: `not_found` when the caller holds no role
 * in the resource's organization (its existence must not leak), `forbidden` otherwise.
 */
export interface Decision {
  allow: boolean
  deny_as: 'not_found' | 'forbidden'
}
