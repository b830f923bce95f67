import { errors, type KoaContextWithOIDC } from 'oidc-provider'
import { AppError, isAppError } from '../../domain/errors.ts'
import type { OidcAdapter, OidcStore } from '../../infra/oidc/adapter.ts'

// A store that does not answer (Redis down or silent, the database away) must not become
// oidc-provider's `server_error` 500: the store's adapters fail within their own timeout with an
// *_UNAVAILABLE code, and that becomes OAuth's `temporarily_unavailable` with status 503, which
// oidc-provider renders like any of its errors (JSON at the token endpoint, the error page or a
// redirect to the client at the authorization endpoint). Anything else stays a 500: it is a bug.

const UNAVAILABLE = new Set(['OIDC_STORE_UNAVAILABLE', 'DATABASE_UNAVAILABLE'])

const outages = new WeakSet<object>()

function temporarilyUnavailable(): Error {
  const error = new errors.TemporarilyUnavailable('the issuer cannot reach its session store; retry shortly')
  outages.add(error)
  // The class answers 400 by default; `expose` is what lets its message out on a 5xx status.
  return Object.assign(error, { status: 503, statusCode: 503, expose: true })
}

const isOutage = (error: unknown) =>
  (isAppError(error) && UNAVAILABLE.has(error.code)) ||
  (typeof error === 'object' && error !== null && outages.has(error))

/**
 * For the admin and analytics APIs, which read the store to check a person's token (its grant):
 * an outage is 503 ISSUER_UNAVAILABLE there (the token may be good), not a 500.
 */
export function asIssuerUnavailable(error: unknown): never {
  if (!isOutage(error)) throw error
  throw new AppError(
    'ISSUER_UNAVAILABLE',
    "The access token cannot be checked now: the issuer's store does not answer; retry shortly.",
  )
}

/**
 * The net under the store's wrapper, for the outages oidc-provider meets elsewhere: its client and
 * account lookups read PostgreSQL (the read models), and a failure there reaches its
 * `server_error` event already rendered as a 500. An outage becomes 503 there, with a JSON body
 * saying `temporarily_unavailable` (an HTML error page keeps its generic text). True when it was one.
 */
export function outageAnswered(ctx: KoaContextWithOIDC, error: unknown): boolean {
  if (!isOutage(error)) return false
  ctx.status = 503
  if (ctx.body !== null && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body)) {
    ctx.body = {
      error: 'temporarily_unavailable',
      error_description: 'the issuer cannot reach its database; retry shortly',
    }
  }
  return true
}

/** `store`, with its outages answered 503 `temporarily_unavailable`; `onUnavailable` hears each one. */
export function answeringUnavailable(store: OidcStore, onUnavailable: (error: unknown) => void): OidcStore {
  const guard =
    <A extends unknown[], R>(op: (...args: A) => Promise<R>) =>
    (...args: A) =>
      op(...args).catch((error: unknown) => {
        if (!isOutage(error)) throw error
        onUnavailable(error)
        throw temporarilyUnavailable()
      })
  return (model) => {
    const adapter = store(model)
    return {
      upsert: guard(adapter.upsert.bind(adapter)),
      find: guard(adapter.find.bind(adapter)),
      findByUid: guard(adapter.findByUid.bind(adapter)),
      findByUserCode: guard(adapter.findByUserCode.bind(adapter)),
      consume: guard(adapter.consume.bind(adapter)),
      destroy: guard(adapter.destroy.bind(adapter)),
      revokeByGrantId: guard(adapter.revokeByGrantId.bind(adapter)),
    } satisfies OidcAdapter
  }
}
