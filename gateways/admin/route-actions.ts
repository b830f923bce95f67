import type { FastifyRequest } from 'fastify'
import type { Action, Resource } from '../../domain/authorization/actions.ts'
import { AppError } from '../../domain/errors.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { findApiKey } from '../../projections/api-keys/queries.ts'
import { findBudget } from '../../projections/budgets/queries.ts'
import { findServiceAccount } from '../../projections/service-accounts/queries.ts'
import {
  field,
  orgResource,
  type Part,
  platformResource,
  type RouteRule,
  type RouteRules,
  texts,
} from '../http/authorize.ts'
import { requiredTotpBy } from './self-service.ts'

// What every admin route does, in the policy's words, and where the organization of what it acts
// on comes from: a path parameter, the body, the query, or the read model (a key id → its
// organization). docs/security.md has the role table; a route missing here is refused to all but
// platform admins and fails tests/gateways/admin/authz-routes.unit.test.ts.
//
// Lists: a caller who is not a platform admin names the organization (`organization_id`, required
// by /api-keys and /budgets, optional on /users) and must hold a role in it; /organizations and an
// unfiltered /users list the whole platform, for platform admins only.

const orgMissing = (part: Part) => (request: FastifyRequest) =>
  new AppError('ORG_NOT_FOUND', 'no such organization', {
    organization_id: field(request, part, 'organization_id'),
  })

/** An action on an organization's resource whose organization the request names in `part`. */
const inOrg = (action: Action, type: string, part: Part): RouteRule => ({
  action,
  resource: (request) => orgResource(type, field(request, part, 'organization_id')),
  missing: orgMissing(part),
})

/** An action on a platform resource (the model catalogue, users, the organization list). */
const onPlatform = (action: Action, type: string): RouteRule => ({
  action,
  resource: () => platformResource(type),
  missing: () => new AppError('NOT_FOUND', 'no such resource'),
})

/** A rule whose request hands out the body's `roles`: the policy bounds them by the caller's own. */
function granting(rule: RouteRule): RouteRule {
  return {
    ...rule,
    resource: async (request) => {
      const resource = await rule.resource(request)
      return resource && { ...resource, roles: texts(request, 'roles') }
    },
  }
}

/**
 * An action on a user, a platform resource that its own person may also act on (self-service:
 * the policy's self_actions). Any other caller is refused 403 whether the user exists or not.
 */
const onUser = (action: Action): RouteRule => ({
  action,
  resource: (request) => ({
    type: 'user',
    organization_id: null,
    owner: field(request, 'params', 'user_id'),
  }),
  missing: () => new AppError('NOT_FOUND', 'no such resource'),
})

/**
 * Disabling TOTP: a person may not drop its own while an organization it belongs to requires MFA
 * (it could no longer sign in there). A platform admin resetting someone's lost TOTP may.
 */
function disableTotpRule(db: Sql): RouteRule {
  const rule = onUser('users:mfa')
  return {
    ...rule,
    resource: async (request) => {
      const user_id = field(request, 'params', 'user_id')
      if (user_id && request.subject?.actor === `user:${user_id}`) {
        const requiring = await requiredTotpBy(db, user_id)
        if (requiring.length > 0)
          throw new AppError('TOTP_REQUIRED_BY_ORGANIZATION', 'an organization you belong to requires MFA', {
            organization_ids: requiring,
          })
      }
      return rule.resource(request)
    },
  }
}

function apiKeyRule(db: Sql, action: Action): RouteRule {
  return {
    action,
    resource: async (request): Promise<Resource | null> => {
      const key = await findApiKey(db, field(request, 'params', 'api_key_id') ?? '')
      if (!key) return null
      return { type: 'api_key', organization_id: key.organization_id, owner: key.owner_user_id }
    },
    missing: (request) =>
      new AppError('API_KEY_NOT_FOUND', 'no such API key', {
        api_key_id: field(request, 'params', 'api_key_id'),
      }),
  }
}

function budgetRule(db: Sql, action: Action): RouteRule {
  return {
    action,
    resource: async (request) => {
      const budget = await findBudget(db, field(request, 'params', 'budget_id') ?? '')
      return budget ? orgResource('budget', budget.organization_id) : null
    },
    missing: (request) =>
      new AppError('BUDGET_NOT_FOUND', 'no such budget', {
        budget_id: field(request, 'params', 'budget_id'),
      }),
  }
}

function serviceAccountRule(db: Sql, action: Action): RouteRule {
  const id = (request: FastifyRequest) => field(request, 'params', 'service_account_id')
  return {
    action,
    resource: async (request) => {
      const account = await findServiceAccount(db, id(request) ?? '')
      return account ? orgResource('service_account', account.organization_id) : null
    },
    missing: (request) =>
      new AppError('SERVICE_ACCOUNT_NOT_FOUND', 'no such service account', {
        service_account_id: id(request),
      }),
  }
}

/**
 * POST /budgets with an api_key_id: the key must be one the caller may budget too. A key of an
 * organization it holds no role in is answered as a key that does not exist (API_KEY_NOT_FOUND,
 * what the command says of a missing one), never BUDGET_KEY_NOT_IN_ORGANIZATION, which would tell
 * that the key exists elsewhere.
 */
function budgetCreateRule(db: Sql): RouteRule {
  return {
    ...inOrg('budgets:create', 'budget', 'body'),
    refers: async (request) => {
      const api_key_id = field(request, 'body', 'api_key_id')
      const key = api_key_id ? await findApiKey(db, api_key_id) : null
      if (!key) return null
      return {
        resource: { type: 'api_key', organization_id: key.organization_id, owner: null },
        missing: new AppError('API_KEY_NOT_FOUND', 'no such API key', { api_key_id }),
      }
    },
  }
}

const issueKey: RouteRule = {
  action: 'api_keys:create',
  resource: (request) => ({
    type: 'api_key',
    organization_id: field(request, 'body', 'organization_id'),
    owner: field(request, 'body', 'owner_user_id'),
  }),
  missing: orgMissing('body'),
}

export function adminRouteRules(db: Sql): RouteRules {
  return {
    'POST /organizations': onPlatform('organizations:create', 'organization'),
    'GET /organizations': onPlatform('organizations:list', 'organization'),
    'GET /organizations/:organization_id': inOrg('organizations:read', 'organization', 'params'),
    'PATCH /organizations/:organization_id': inOrg('organizations:update', 'organization', 'params'),
    'POST /organizations/:organization_id/suspend': inOrg('organizations:suspend', 'organization', 'params'),
    'POST /organizations/:organization_id/reactivate': inOrg(
      'organizations:reactivate',
      'organization',
      'params',
    ),
    'POST /organizations/:organization_id/close': inOrg('organizations:close', 'organization', 'params'),
    'PUT /organizations/:organization_id/budget': inOrg('budgets:update', 'budget', 'params'),
    'POST /budgets': budgetCreateRule(db),
    'GET /budgets': inOrg('budgets:list', 'budget', 'query'),
    'GET /budgets/:budget_id': budgetRule(db, 'budgets:read'),
    'PATCH /budgets/:budget_id': budgetRule(db, 'budgets:update'),
    'DELETE /budgets/:budget_id': budgetRule(db, 'budgets:delete'),
    'POST /api-keys': issueKey,
    'GET /api-keys': inOrg('api_keys:list', 'api_key', 'query'),
    'GET /api-keys/:api_key_id': apiKeyRule(db, 'api_keys:read'),
    'POST /api-keys/:api_key_id/revoke': apiKeyRule(db, 'api_keys:revoke'),
    'POST /api-keys/:api_key_id/rotate': apiKeyRule(db, 'api_keys:rotate'),
    'POST /api-keys/:api_key_id/rotate-signing-secret': apiKeyRule(db, 'api_keys:rotate'),
    'POST /models': onPlatform('models:create', 'model'),
    'GET /models': onPlatform('models:list', 'model'),
    'GET /models/:name': onPlatform('models:read', 'model'),
    // Its backends' circuits are part of reading the model.
    'GET /models/:name/health': onPlatform('models:read', 'model'),
    'PATCH /models/:name': onPlatform('models:update', 'model'),
    'DELETE /models/:name': onPlatform('models:delete', 'model'),
    'POST /users': onPlatform('users:create', 'user'),
    // With organization_id: that organization's members; without, every user (platform admins).
    'GET /users': inOrg('members:list', 'user', 'query'),
    'GET /users/:user_id': onUser('users:read'),
    // Who the caller is and what it may do (me.ts): a person reads itself, as GET /users/{own id}.
    'GET /me': {
      action: 'users:read',
      resource: (request) => ({
        type: 'user',
        organization_id: null,
        owner: request.subject?.kind === 'user' ? request.subject.actor.replace(/^user:/, '') : null,
      }),
      missing: () => new AppError('NOT_FOUND', 'no such resource'),
    },
    'PATCH /users/:user_id': onPlatform('users:update', 'user'),
    'PUT /organizations/:organization_id/members/:user_id': granting(
      inOrg('members:update', 'membership', 'params'),
    ),
    'DELETE /organizations/:organization_id/members/:user_id': inOrg(
      'members:delete',
      'membership',
      'params',
    ),
    'POST /service-accounts': granting(inOrg('service_accounts:create', 'service_account', 'body')),
    'GET /service-accounts': inOrg('service_accounts:list', 'service_account', 'query'),
    'GET /service-accounts/:service_account_id': serviceAccountRule(db, 'service_accounts:read'),
    'POST /service-accounts/:service_account_id/rotate-secret': serviceAccountRule(
      db,
      'service_accounts:rotate',
    ),
    'POST /service-accounts/:service_account_id/revoke': serviceAccountRule(db, 'service_accounts:revoke'),
    // A user's credentials are part of the user, a platform resource (gateways/admin/credentials.ts);
    // a password is set by an admin or through an invitation, never by a bearer token of its own.
    'PUT /users/:user_id/password': onPlatform('users:update', 'user'),
    'POST /users/:user_id/invitation': onPlatform('users:update', 'user'),
    // Self-service: a person manages its own second factor (docs/security.md).
    'POST /users/:user_id/mfa/totp': onUser('users:mfa'),
    'POST /users/:user_id/mfa/totp/confirm': onUser('users:mfa'),
    'POST /users/:user_id/mfa/recovery-codes': onUser('users:mfa'),
    'DELETE /users/:user_id/mfa/totp': disableTotpRule(db),
    // The chain is one for the whole platform: only platform admins verify it (docs/audit.md).
    'GET /audit/verify': onPlatform('audit:verify', 'audit_chain'),
    // Without organization_id, the whole log: platform admins only (the policy's null organization).
    'GET /audit/export': inOrg('audit:export', 'audit_log', 'query'),
    'GET /audit/organizations/:organization_id/state': inOrg('audit:export', 'organization', 'params'),
  }
}
