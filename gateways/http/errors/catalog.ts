// Every error code the platform answers with: its HTTP status, a title for problem+json, and the
// OpenAI error `type` used on /v1. docs/errors.md is this table for humans; a unit test keeps
// the two in step.
export interface ErrorSpec {
  status: number
  title: string
  openai_type:
    | 'insufficient_quota'
    | 'invalid_request_error'
    | 'authentication_error'
    | 'permission_error'
    | 'rate_limit_error'
    | 'api_error'
}

export const errorCatalog = {
  VALIDATION_FAILED: { status: 400, title: 'Invalid request', openai_type: 'invalid_request_error' },
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON body', openai_type: 'invalid_request_error' },
  JSON_TOO_DEEP: { status: 400, title: 'JSON body nested too deeply', openai_type: 'invalid_request_error' },
  MALFORMED_REQUEST: { status: 400, title: 'Malformed HTTP request', openai_type: 'invalid_request_error' },
  BACKEND_REQUEST_REFUSED: {
    status: 400,
    title: 'Request refused by the model provider',
    openai_type: 'invalid_request_error',
  },
  ENDPOINT_UNSUPPORTED: {
    status: 400,
    title: 'Endpoint not supported by this model',
    openai_type: 'invalid_request_error',
  },
  UNAUTHENTICATED: {
    status: 401,
    title: 'Missing or invalid credentials',
    openai_type: 'authentication_error',
  },
  API_KEY_REVOKED: { status: 401, title: 'API key revoked', openai_type: 'authentication_error' },
  API_KEY_EXPIRED: { status: 401, title: 'API key expired', openai_type: 'authentication_error' },
  SIGNATURE_MISSING: {
    status: 401,
    title: 'Request signature required',
    openai_type: 'authentication_error',
  },
  SIGNATURE_INVALID: { status: 401, title: 'Request signature invalid', openai_type: 'authentication_error' },
  SIGNATURE_EXPIRED: {
    status: 401,
    title: 'Request signature timestamp outside the window',
    openai_type: 'authentication_error',
  },
  SIGNATURE_REPLAYED: {
    status: 401,
    title: 'Request signature already used',
    openai_type: 'authentication_error',
  },
  ORGANIZATION_SUSPENDED: {
    status: 403,
    title: 'Organization suspended or closed',
    openai_type: 'permission_error',
  },
  MODEL_NOT_ALLOWED: {
    status: 403,
    title: 'Model not allowed for this key',
    openai_type: 'permission_error',
  },
  FORBIDDEN: {
    status: 403,
    title: 'Not allowed for this caller',
    openai_type: 'permission_error',
  },
  API_KEY_NOT_FOUND: { status: 404, title: 'API key not found', openai_type: 'invalid_request_error' },
  NOT_FOUND: { status: 404, title: 'No such route', openai_type: 'invalid_request_error' },
  ORG_NOT_FOUND: { status: 404, title: 'Organization not found', openai_type: 'invalid_request_error' },
  USER_NOT_FOUND: { status: 404, title: 'User not found', openai_type: 'invalid_request_error' },
  NOT_A_MEMBER: {
    status: 404,
    title: 'User not a member of the organization',
    openai_type: 'invalid_request_error',
  },
  USER_ALREADY_EXISTS: { status: 409, title: 'User already exists', openai_type: 'invalid_request_error' },
  EMAIL_TAKEN: { status: 409, title: 'Email address taken', openai_type: 'invalid_request_error' },
  USER_DISABLED: { status: 409, title: 'User disabled', openai_type: 'invalid_request_error' },
  ROLES_EMPTY: { status: 422, title: 'Membership without roles', openai_type: 'invalid_request_error' },
  MODEL_NOT_FOUND: { status: 404, title: 'Model not found', openai_type: 'invalid_request_error' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', openai_type: 'invalid_request_error' },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request not received in time',
    openai_type: 'invalid_request_error',
  },
  ORG_ALREADY_EXISTS: {
    status: 409,
    title: 'Organization already exists',
    openai_type: 'invalid_request_error',
  },
  ORG_SUSPENDED: { status: 409, title: 'Organization suspended', openai_type: 'invalid_request_error' },
  ORG_NOT_SUSPENDED: {
    status: 409,
    title: 'Organization not suspended',
    openai_type: 'invalid_request_error',
  },
  ORG_CLOSED: { status: 409, title: 'Organization closed', openai_type: 'invalid_request_error' },
  API_KEY_ALREADY_EXISTS: {
    status: 409,
    title: 'API key already exists',
    openai_type: 'invalid_request_error',
  },
  API_KEY_ALREADY_REVOKED: {
    status: 409,
    title: 'API key already revoked',
    openai_type: 'invalid_request_error',
  },
  SERVICE_ACCOUNT_NOT_FOUND: {
    status: 404,
    title: 'Service account not found',
    openai_type: 'invalid_request_error',
  },
  SERVICE_ACCOUNT_ALREADY_EXISTS: {
    status: 409,
    title: 'Service account already exists',
    openai_type: 'invalid_request_error',
  },
  SERVICE_ACCOUNT_REVOKED: {
    status: 409,
    title: 'Service account revoked',
    openai_type: 'invalid_request_error',
  },
  // A user's credentials (domain/credentials).
  PASSWORD_INVALID: {
    status: 422,
    title: 'Password length out of bounds',
    openai_type: 'invalid_request_error',
  },
  PASSWORD_NOT_SET: { status: 409, title: 'No password set', openai_type: 'invalid_request_error' },
  INVITATION_INVALID: { status: 404, title: 'Invitation not valid', openai_type: 'invalid_request_error' },
  INVITATION_EXPIRED: { status: 410, title: 'Invitation expired', openai_type: 'invalid_request_error' },
  CREDENTIALS_LOCKED: { status: 429, title: 'Too many failed attempts', openai_type: 'rate_limit_error' },
  TOTP_ALREADY_ENROLLED: {
    status: 409,
    title: 'TOTP already enrolled',
    openai_type: 'invalid_request_error',
  },
  TOTP_NOT_PENDING: { status: 409, title: 'No TOTP enrolment pending', openai_type: 'invalid_request_error' },
  TOTP_NOT_ENROLLED: { status: 409, title: 'No TOTP enrolled', openai_type: 'invalid_request_error' },
  TOTP_REQUIRED_BY_ORGANIZATION: {
    status: 409,
    title: 'An organization requires MFA',
    openai_type: 'invalid_request_error',
  },
  TOTP_CODE_INVALID: { status: 422, title: 'TOTP code not valid', openai_type: 'invalid_request_error' },
  API_KEY_EXPIRY_IN_PAST: {
    status: 422,
    title: 'API key expiry not in the future',
    openai_type: 'invalid_request_error',
  },
  API_KEY_OWNER_NOT_MEMBER: {
    status: 422,
    title: 'API key owner not a member',
    openai_type: 'invalid_request_error',
  },
  MODEL_ALREADY_EXISTS: {
    status: 409,
    title: 'Model already exists',
    openai_type: 'invalid_request_error',
  },
  BACKEND_URL_INVALID: { status: 422, title: 'Backend URL refused', openai_type: 'invalid_request_error' },
  BACKEND_ADDRESS_NOT_ALLOWED: {
    status: 422,
    title: 'Backend address not allowed',
    openai_type: 'invalid_request_error',
  },
  MODEL_PRICE_INVALID: { status: 422, title: 'Model price invalid', openai_type: 'invalid_request_error' },
  MODEL_NAME_TAKEN: {
    status: 409,
    title: 'Model name or alias taken',
    openai_type: 'invalid_request_error',
  },
  MODEL_ALIAS_INVALID: { status: 422, title: 'Model alias invalid', openai_type: 'invalid_request_error' },
  BUDGET_NOT_FOUND: { status: 404, title: 'Budget not found', openai_type: 'invalid_request_error' },
  BUDGET_ALREADY_EXISTS: {
    status: 409,
    title: 'Budget already exists',
    openai_type: 'invalid_request_error',
  },
  BUDGET_DELETED: { status: 409, title: 'Budget deleted', openai_type: 'invalid_request_error' },
  BUDGET_LIMIT_INVALID: { status: 422, title: 'Budget limit invalid', openai_type: 'invalid_request_error' },
  BUDGET_THRESHOLDS_INVALID: {
    status: 422,
    title: 'Budget alert thresholds invalid',
    openai_type: 'invalid_request_error',
  },
  BUDGET_KEY_NOT_IN_ORGANIZATION: {
    status: 422,
    title: 'API key of another organization',
    openai_type: 'invalid_request_error',
  },
  BUDGET_THRESHOLD_UNKNOWN: {
    status: 422,
    title: 'Budget alert threshold unknown',
    openai_type: 'invalid_request_error',
  },
  BUDGET_THRESHOLD_NOT_REACHED: {
    status: 422,
    title: 'Budget alert threshold not reached',
    openai_type: 'invalid_request_error',
  },
  VERSION_CONFLICT: { status: 409, title: 'Concurrent modification', openai_type: 'invalid_request_error' },
  INVALID_IDEMPOTENCY_KEY: {
    status: 400,
    title: 'Invalid Idempotency-Key',
    openai_type: 'invalid_request_error',
  },
  INVALID_IF_MATCH: { status: 400, title: 'Invalid If-Match', openai_type: 'invalid_request_error' },
  INVALID_CURSOR: { status: 400, title: 'Invalid cursor', openai_type: 'invalid_request_error' },
  EXPORT_NOT_FOUND: { status: 404, title: 'Export not found', openai_type: 'invalid_request_error' },
  PRESIGNED_URL_INVALID: { status: 403, title: 'Invalid download link', openai_type: 'permission_error' },
  PRESIGNED_URL_EXPIRED: { status: 403, title: 'Download link expired', openai_type: 'permission_error' },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    title: 'Idempotency-Key in use',
    openai_type: 'invalid_request_error',
  },
  IDEMPOTENCY_REPLAY_HAS_SECRET: {
    status: 409,
    title: 'First response held a secret',
    openai_type: 'invalid_request_error',
  },
  PRECONDITION_FAILED: { status: 412, title: 'Precondition failed', openai_type: 'invalid_request_error' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency-Key reused',
    openai_type: 'invalid_request_error',
  },
  IDEMPOTENCY_CONFLICT: { status: 409, title: 'Event id reused', openai_type: 'invalid_request_error' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large', openai_type: 'invalid_request_error' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    openai_type: 'invalid_request_error',
  },
  ORG_TIMEZONE_INVALID: {
    status: 422,
    title: 'Unknown time zone',
    openai_type: 'invalid_request_error',
  },
  ORG_LIMIT_INVALID: {
    status: 422,
    title: 'Invalid organization limit',
    openai_type: 'invalid_request_error',
  },
  ORG_WEBHOOK_URL_INVALID: {
    status: 422,
    title: 'Invalid budget alert webhook URL',
    openai_type: 'invalid_request_error',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request headers too large',
    openai_type: 'invalid_request_error',
  },
  BUDGET_EXCEEDED: { status: 429, title: 'Budget exceeded', openai_type: 'insufficient_quota' },
  RATE_LIMITED: { status: 429, title: 'Rate limit exceeded', openai_type: 'rate_limit_error' },
  BACKEND_RATE_LIMITED: {
    status: 429,
    title: 'Model backends rate limited',
    openai_type: 'rate_limit_error',
  },
  INTERNAL: { status: 500, title: 'Internal error', openai_type: 'api_error' },
  SECRET_UNREADABLE: { status: 500, title: 'Stored secret unreadable', openai_type: 'api_error' },
  BACKEND_UNAVAILABLE: { status: 502, title: 'Model backend unavailable', openai_type: 'api_error' },
  BACKEND_ERROR: { status: 502, title: 'Model backend error', openai_type: 'api_error' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'Database unavailable', openai_type: 'api_error' },
  BACKEND_OVERLOADED: { status: 503, title: 'Model provider overloaded', openai_type: 'api_error' },
  KEY_STORE_UNAVAILABLE: {
    status: 503,
    title:
      'This API key cannot be checked now: the router has no copy of it and its key store does not answer; retry shortly',
    openai_type: 'api_error',
  },
  BUDGET_LEDGER_UNAVAILABLE: { status: 503, title: 'Budget ledger unavailable', openai_type: 'api_error' },
  BUDGET_SEED_UNAVAILABLE: { status: 503, title: 'Budget seeding unavailable', openai_type: 'api_error' },
  RATE_LIMITER_UNAVAILABLE: { status: 503, title: 'Rate limiter unavailable', openai_type: 'api_error' },
  USAGE_BUS_UNAVAILABLE: { status: 503, title: 'Usage bus unavailable', openai_type: 'api_error' },
  NONCE_STORE_UNAVAILABLE: { status: 503, title: 'Nonce store unavailable', openai_type: 'api_error' },
  SECRETS_UNAVAILABLE: { status: 503, title: 'Secrets unavailable', openai_type: 'api_error' },
  ISSUER_UNAVAILABLE: { status: 503, title: 'Token issuer unavailable', openai_type: 'api_error' },
  HEALTH_BOARD_UNAVAILABLE: {
    status: 503,
    title: 'Backend health board unavailable',
    openai_type: 'api_error',
  },
  CONSOLE_NOT_BUILT: {
    status: 503,
    // A 5xx shows its title only (normalize.ts): the title says what to do.
    title: 'Console not built: run npm run build:console',
    openai_type: 'api_error',
  },
  NOT_READY: { status: 503, title: 'Not ready', openai_type: 'api_error' },
  READ_MODEL_LAGGING: {
    status: 503,
    title:
      'The change was recorded, but the read models have not caught up: read it again shortly, or retry with the same Idempotency-Key',
    openai_type: 'api_error',
  },
  BACKEND_TIMEOUT: { status: 504, title: 'Model backend timed out', openai_type: 'api_error' },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof errorCatalog

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(errorCatalog, code)
