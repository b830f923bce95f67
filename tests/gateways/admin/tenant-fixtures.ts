// One valid request per registered admin and analytics route (some routes two: a list with and
// without its filter), written for any organization's ids: the tenant matrix sends each with
// organization A's ids and with B's. Valid, because a request that fails its schema is a 400
// before authorization runs and would prove nothing. A route registered without an entry here
// fails the matrix; an entry for no registered route fails it too.

/** The ids a request can carry, all of one organization (the user: a member of it). */
export interface Ids {
  organization_id: string
  api_key_id: string
  budget_id: string
  service_account_id: string
  user_id: string
}

export interface Variant {
  query?: (ids: Ids) => Record<string, string>
  body?: (ids: Ids) => object
}

const one = (variant: Variant = {}): Variant[] => [variant]
const inOrg = (ids: Ids) => ({ organization_id: ids.organization_id })

/** The model the model routes name: the catalogue is a platform resource, its name no secret. */
export const MODEL = 'matrix-model'

const modelBody = {
  name: MODEL,
  input_price_per_million_usd: '1',
  output_price_per_million_usd: '2',
  max_output_tokens: 100,
  backends: [{ url: 'https://api.matrix.example/v1', provider: 'openai-compatible' }],
}

export const FIXTURES: Readonly<Record<string, Variant[]>> = {
  'POST /admin/v1/organizations': one({ body: () => ({ name: 'matrix new' }) }),
  'GET /admin/v1/organizations': one(),
  'GET /admin/v1/organizations/:organization_id': one(),
  'PATCH /admin/v1/organizations/:organization_id': one({ body: () => ({ name: 'matrix renamed' }) }),
  'POST /admin/v1/organizations/:organization_id/suspend': one({ body: () => ({ reason: 'matrix' }) }),
  'POST /admin/v1/organizations/:organization_id/reactivate': one({ body: () => ({}) }),
  'POST /admin/v1/organizations/:organization_id/close': one({ body: () => ({}) }),
  'PUT /admin/v1/organizations/:organization_id/budget': one({ body: () => ({ monthly_limit_usd: 5 }) }),
  'POST /admin/v1/budgets': one({
    body: (ids) => ({ ...inOrg(ids), limit_usd: '5', period: 'daily', enforcement: 'soft' }),
  }),
  'GET /admin/v1/budgets': one({ query: inOrg }),
  'GET /admin/v1/budgets/:budget_id': one(),
  'PATCH /admin/v1/budgets/:budget_id': one({ body: () => ({ limit_usd: '6' }) }),
  'DELETE /admin/v1/budgets/:budget_id': one(),
  'POST /admin/v1/api-keys': one({ body: (ids) => ({ ...inOrg(ids), name: 'matrix key' }) }),
  'GET /admin/v1/api-keys': one({ query: inOrg }),
  'GET /admin/v1/api-keys/:api_key_id': one(),
  'POST /admin/v1/api-keys/:api_key_id/revoke': one(),
  'POST /admin/v1/api-keys/:api_key_id/rotate': one({ body: () => ({ grace_seconds: 0 }) }),
  'POST /admin/v1/api-keys/:api_key_id/rotate-signing-secret': one(),
  'POST /admin/v1/models': one({ body: () => modelBody }),
  'GET /admin/v1/models': one(),
  'GET /admin/v1/models/:name': one(),
  'GET /admin/v1/models/:name/health': one(),
  'PATCH /admin/v1/models/:name': one({ body: () => ({ max_output_tokens: 50 }) }),
  'DELETE /admin/v1/models/:name': one(),
  'POST /admin/v1/users': one({ body: () => ({ email: 'new@matrix.test', display_name: 'New' }) }),
  // Filtered: that organization's members; unfiltered: every user of the platform.
  'GET /admin/v1/users': [{ query: inOrg }, {}],
  'GET /admin/v1/users/:user_id': one(),
  'PATCH /admin/v1/users/:user_id': one({ body: () => ({ display_name: 'matrix renamed' }) }),
  'PUT /admin/v1/organizations/:organization_id/members/:user_id': one({
    body: () => ({ roles: ['member'] }),
  }),
  'DELETE /admin/v1/organizations/:organization_id/members/:user_id': one(),
  'POST /admin/v1/service-accounts': one({
    body: (ids) => ({ ...inOrg(ids), name: 'matrix machine', roles: ['member'] }),
  }),
  'GET /admin/v1/service-accounts': one({ query: inOrg }),
  'GET /admin/v1/service-accounts/:service_account_id': one(),
  'POST /admin/v1/service-accounts/:service_account_id/rotate-secret': one(),
  'POST /admin/v1/service-accounts/:service_account_id/revoke': one(),
  'PUT /admin/v1/users/:user_id/password': one({ body: () => ({ password: 'matrix password 0123' }) }),
  'POST /admin/v1/users/:user_id/invitation': one(),
  'POST /admin/v1/users/:user_id/mfa/totp': one(),
  'POST /admin/v1/users/:user_id/mfa/totp/confirm': one({ body: () => ({ code: '000000' }) }),
  'POST /admin/v1/users/:user_id/mfa/recovery-codes': one(),
  'DELETE /admin/v1/users/:user_id/mfa/totp': one(),
  'GET /admin/v1/audit/verify': one(),
  // Filtered: that organization's events; unfiltered: the whole log (platform admins).
  'GET /admin/v1/audit/export': [{ query: inOrg }, {}],
  'GET /admin/v1/audit/organizations/:organization_id/state': one({
    query: () => ({ at: new Date().toISOString() }),
  }),
  // Public: served to anyone before authentication.
  'GET /admin/v1/openapi.json': one(),
  'GET /admin/v1/status/healthz': one(),
  'GET /admin/v1/status/readyz': one(),
  'GET /analytics/v1/status/healthz': one(),
  'GET /analytics/v1/status/readyz': one(),
  'GET /analytics/v1/status': one(),
  'GET /analytics/v1/usage': one({
    query: (ids) => ({ ...inOrg(ids), from: '2026-01-01T00:00:00Z', to: '2026-01-01T06:00:00Z' }),
  }),
  'GET /analytics/v1/spend': one({ query: (ids) => ({ ...inOrg(ids), period: 'current' }) }),
  'POST /analytics/v1/exports': one({
    body: (ids) => ({ ...inOrg(ids), from: '2026-01-01T00:00:00Z', to: '2026-01-01T06:00:00Z' }),
  }),
  'GET /analytics/v1/exports': one({ query: inOrg }),
  // The path's :id names no export (the matrix has no export ids): the organization, in the query,
  // is what authorization decides on; the handler's 404 comes only after.
  'GET /analytics/v1/exports/:id': one({ query: inOrg }),
  'GET /analytics/v1/reliability': one({
    query: (ids) => ({
      ...inOrg(ids),
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-01T06:00:00Z',
      group_by: 'backend',
    }),
  }),
}

/**
 * Requests in the caller's own organization that name something of another one (`other`): each
 * must be answered as if that thing did not exist. Kept apart from FIXTURES (one organization's ids
 * each), and not enumerated: a new route that refers across resources adds its line here.
 */
export const CROSS_REFERENCES: Readonly<Record<string, (own: Ids, other: Ids) => Variant>> = {
  'POST /admin/v1/budgets': (own, other) => ({
    body: () => ({
      organization_id: own.organization_id,
      api_key_id: other.api_key_id,
      limit_usd: '4',
      period: 'total',
      enforcement: 'hard',
    }),
  }),
  'GET /admin/v1/budgets': (own, other) => ({
    query: () => ({ organization_id: own.organization_id, api_key_id: other.api_key_id }),
  }),
}

/**
 * Served to anyone before authentication and the policy (the OpenAPI document, the status
 * probes): the matrix checks that they answer every caller alike, with nothing of any organization.
 */
export const PUBLIC: readonly RegExp[] = [
  /^\/admin\/v1\/openapi\.json$/,
  /^\/(admin|analytics)\/v1\/status\//,
  /^\/analytics\/v1\/status$/,
]

/**
 * Registered, and deliberately outside the matrix: authenticated by a credential of their own
 * rather than a bearer token and the policy (setting a password with an invitation: the token is
 * the credential; the OAuth2 issuer and its sign-in pages at /oauth2), or no API route (/metrics).
 */
export const OUTSIDE_THE_MATRIX: readonly RegExp[] = [
  /^\/admin\/v1\/invitations\/:token\/password$/,
  /^\/oauth2(\/|$)/,
  /^\/metrics$/,
  // The caller itself: it names no organization, so there is nothing of B to ask for; that it lists
  // only the caller's own organizations, for every role, is tests/gateways/admin/me.unit.test.ts.
  /^\/admin\/v1\/me$/,
]

/** Changes what it acts on for good (or for the rest of the sweep): sent after the others. */
export const isDestructive = (route: string): boolean =>
  route.startsWith('DELETE ') || /\/(revoke|close|suspend)$/.test(route)
