import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../../domain/errors.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { actorOf } from './context.ts'
import {
  claimKey,
  forgetKey,
  purgeExpired,
  readKey,
  recordFailure,
  recordResponse,
  type StoredResponse,
} from './idempotency-store.ts'
import { idempotentIds, sha256, stableJson } from './idempotent-ids.ts'
import { scopeOf } from './request-scope.ts'

// Idempotency-Key on every POST of the admin API (docs/admin-api.md#idempotency). The first request
// with a key runs with ids and a clock derived from it; its 2xx response is stored and every retry
// with the same body gets it back, nothing run again. Another body with the key is a 422; a retry
// while the first still runs is a 409; a retry after a 5xx runs again as the first run did.

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
/** How long a running request holds its key before a retry may take it over (its process died). */
export const IDEMPOTENCY_LEASE_SECONDS = 60
/** Response fields never stored: a replay of a response that had one is a 409 instead. */
const SECRET_FIELDS = new Set([
  'key',
  'secret',
  'api_key',
  'client_secret',
  'signing_secret',
  // A user's credentials (gateways/admin/credentials.ts).
  'token',
  'otpauth_uri',
  'qr',
  'recovery_codes',
])
/** Response headers a replay repeats. */
const REPLAYED_HEADERS = ['location', 'etag', 'content-type']
const KEY = /^[\x21-\x7e]{1,255}$/

const held = new WeakMap<FastifyRequest, { actor: string; key: string }>()

function keyOf(request: FastifyRequest): string | null {
  const header = request.headers['idempotency-key']
  if (header === undefined) return null
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new AppError('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 visible ASCII characters')
  }
  return header
}

/** What makes two requests "the same": route, path and query parameters, and the parsed body. */
function requestHash(request: FastifyRequest): string {
  const { method, params, query, body } = request
  const route = request.routeOptions.url ?? request.url
  return sha256(stableJson({ method, route, params, query, body })).toString('hex')
}

/** The body without its secret fields (at any depth), and whether it had one. */
export function withoutSecrets(value: unknown): { value: unknown; hadSecret: boolean } {
  if (Array.isArray(value)) {
    const items = value.map(withoutSecrets)
    return { value: items.map((i) => i.value), hadSecret: items.some((i) => i.hadSecret) }
  }
  if (value === null || typeof value !== 'object') return { value, hadSecret: false }
  let hadSecret = false
  const kept: Record<string, unknown> = {}
  for (const [field, inner] of Object.entries(value)) {
    if (SECRET_FIELDS.has(field)) {
      hadSecret = true
      continue
    }
    const stripped = withoutSecrets(inner)
    hadSecret ||= stripped.hadSecret
    kept[field] = stripped.value
  }
  return { value: kept, hadSecret }
}

function replay(reply: FastifyReply, key: string, response: StoredResponse): FastifyReply {
  if (response.hasSecret) {
    const { id } = JSON.parse(response.body) as { id?: unknown }
    throw new AppError('IDEMPOTENCY_REPLAY_HAS_SECRET', 'the first response carried a secret shown once', {
      idempotency_key: key,
      ...(typeof id === 'string' ? { id } : {}),
      ...(response.headers.location ? { location: response.headers.location } : {}),
    })
  }
  reply.code(response.status).headers(response.headers).header('idempotent-replayed', 'true')
  return reply.send(response.body)
}

async function answerTaken(
  db: Sql,
  reply: FastifyReply,
  claim: { actor: string; key: string; requestHash: string },
) {
  const { actor, key, requestHash: hash } = claim
  const row = await readKey(db, actor, key)
  if (row && row.requestHash !== hash) {
    throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with another request', {
      idempotency_key: key,
    })
  }
  if (row?.state === 'done') return replay(reply, key, row.response)
  throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'a request with this Idempotency-Key is still running', {
    idempotency_key: key,
  })
}

interface Deps {
  db: Sql
  /** The application's clock (a new key's start time: its request runs by it). */
  now: () => Date
}

async function claimOrAnswer(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  if (request.method !== 'POST') return
  const key = keyOf(request)
  if (key === null) return
  const hash = requestHash(request)
  // Keys belong to the caller: another subject's key is another key, never its stored response.
  const actor = actorOf(request)
  const claim = {
    actor,
    key,
    requestHash: hash,
    leaseSeconds: IDEMPOTENCY_LEASE_SECONDS,
    ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    now: deps.now(),
  }
  const startedAt = await claimKey(deps.db, claim)
  if (startedAt === null) return answerTaken(deps.db, reply, claim)
  held.set(request, { actor, key })
  const route = `${request.method} ${request.routeOptions.url ?? request.url}`
  const scope = scopeOf(request)
  scope.ids = idempotentIds(`${actor}\u0000${key}\u0000${route}`, startedAt.getTime())
  scope.now = startedAt
  await purgeExpired(deps.db, 10)
}

/** 2xx: stored for replays. 4xx: nothing was written, the key is forgotten. 5xx: run again on retry. */
async function recordOutcome(db: Sql, request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  const holding = held.get(request)
  if (!holding) return
  held.delete(request)
  const status = reply.statusCode
  if (status >= 400 && status < 500) return forgetKey(db, holding.actor, holding.key)
  if (status >= 300 || typeof payload !== 'string') return recordFailure(db, holding.actor, holding.key)
  // A 204 has no body to parse; it is replayed empty.
  const stripped =
    payload === '' ? { value: undefined, hadSecret: false } : withoutSecrets(JSON.parse(payload))
  const headers: Record<string, string> = {}
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name)
    if (typeof value === 'string') headers[name] = value
  }
  const body = stripped.value === undefined ? '' : JSON.stringify(stripped.value)
  await recordResponse(db, holding.actor, holding.key, {
    status,
    headers,
    body,
    hasSecret: stripped.hadSecret,
  })
}

/** Idempotency-Key for every POST registered in `app` and its children. */
export function useIdempotencyKeys(app: FastifyInstance, deps: Deps): void {
  app.addHook('preHandler', async (request, reply) => claimOrAnswer(deps, request, reply))
  app.addHook('onSend', async (request, reply, payload) => {
    try {
      await recordOutcome(deps.db, request, reply, payload)
    } catch (error) {
      // The command's outcome stands; the key stays running until its lease ends, then a retry
      // runs again with the same ids (the command finds its events and answers with them).
      request.log.error({ err: error }, 'could not record the outcome of an idempotent request')
    }
    return payload
  })
}
