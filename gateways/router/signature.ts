import { createHash, type Hash, timingSafeEqual } from 'node:crypto'
import { pipeline, Transform } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, isAppError } from '../../domain/errors.ts'
import type { SealedSecret } from '../../domain/secrets/sealed-secret.ts'
import type { NonceStore } from '../../infra/ports/nonce-store.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/key-lookup.ts'
import { hmacHex, SIGNATURE_HEADER, signingText, TIMESTAMP_HEADER } from './sign-request.ts'

// Checks signed requests (docs/routing.md, Request signing): the headers and the clock when the
// request arrives, the HMAC over the raw body bytes once they have been read (hashed as they
// stream to the JSON parser, so nothing is buffered twice), then the nonce, so a signature is
// accepted once.

/** How far a timestamp may be from the router's clock, either way. */
export const SIGNATURE_WINDOW_SECONDS = 300
/** A nonce outlives every timestamp that could still pass the window with it. */
const NONCE_TTL_MS = 2 * SIGNATURE_WINDOW_SECONDS * 1000
/** What a 503 tells the caller to wait before retrying, when the nonce store does not answer. */
const RETRY_AFTER_SECONDS = 1
const SIGNATURE = /^v1=([0-9a-f]{64})$/
const TIMESTAMP = /^\d{1,12}$/

export interface RequestSigningDeps {
  /** Opens a key's sealed signing secret (the secret box; cached by data key in signingSecrets). */
  openSecret(sealed: SealedSecret): Promise<string>
  nonces: NonceStore
  /** Wall-clock milliseconds. */
  now(): number
}

interface Pending {
  key: ApiKeyRecord & { signing_secret: SealedSecret }
  timestamp: string
  signature: Buffer
  body: Hash
}

declare module 'fastify' {
  interface FastifyRequest {
    signed: Pending | null
  }
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

const refused = (code: string, message: string) => new AppError(code, message)

/** The headers and the clock; null when the request is unsigned and the key allows that. */
function pendingCheck(request: FastifyRequest, key: ApiKeyRecord, nowMs: number): Pending | null {
  const timestamp = header(request, TIMESTAMP_HEADER)
  const signature = header(request, SIGNATURE_HEADER)
  if (timestamp === undefined && signature === undefined && !key.require_signature) return null
  if (timestamp === undefined || signature === undefined) {
    throw refused(
      'SIGNATURE_MISSING',
      `This API key requires signed requests (${TIMESTAMP_HEADER}, ${SIGNATURE_HEADER}).`,
    )
  }
  const hex = SIGNATURE.exec(signature)?.[1]
  if (hex === undefined || !TIMESTAMP.test(timestamp)) {
    throw refused(
      'SIGNATURE_INVALID',
      `${SIGNATURE_HEADER} must be v1=<64 hex>, ${TIMESTAMP_HEADER} unix seconds.`,
    )
  }
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) {
    throw refused(
      'SIGNATURE_EXPIRED',
      `${TIMESTAMP_HEADER} is more than ${SIGNATURE_WINDOW_SECONDS} s from the server's clock.`,
    )
  }
  if (key.signing_secret === null) throw refused('SIGNATURE_INVALID', 'This API key has no signing secret.')
  const signing_secret = key.signing_secret
  return {
    key: { ...key, signing_secret },
    timestamp,
    signature: Buffer.from(hex, 'hex'),
    body: createHash('sha256'),
  }
}

/**
 * The body, unchanged, hashed on the way. `pipeline`, not `pipe`: a client that hangs up mid-body
 * must fail the parser with that error (as an unsigned request does), not leave it waiting.
 */
function hashing(payload: NodeJS.ReadableStream, hash: Hash): Transform {
  const through = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      done(null, chunk)
    },
  })
  // The error reaches fastify through `through`, which pipeline destroys with it.
  pipeline(payload, through, () => {})
  return through
}

async function claimOnce(deps: RequestSigningDeps, reply: FastifyReply, pending: Pending): Promise<void> {
  let first: boolean
  try {
    first = await deps.nonces.claim(
      `${pending.key.api_key_id}:${pending.signature.toString('hex')}`,
      NONCE_TTL_MS,
    )
  } catch (error) {
    // Fail closed: without the store a replay cannot be told from a first use.
    if (!isAppError(error) || error.code !== 'NONCE_STORE_UNAVAILABLE') throw error
    reply.header('retry-after', RETRY_AFTER_SECONDS)
    throw error
  }
  if (!first) throw refused('SIGNATURE_REPLAYED', 'This signature was already used; sign each request anew.')
}

async function verify(deps: RequestSigningDeps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const pending = request.signed
  if (!pending) return
  const secret = await deps.openSecret(pending.key.signing_secret)
  const text = signingText(request.method, request.url, pending.timestamp, pending.body.digest('hex'))
  const expected = Buffer.from(hmacHex(secret, text), 'hex')
  if (!timingSafeEqual(expected, pending.signature)) {
    throw refused('SIGNATURE_INVALID', 'The request signature does not match.')
  }
  await claimOnce(deps, reply, pending)
}

/** How many opened signing secrets a router keeps (one per key that signs). */
const OPENED_CAPACITY = 10_000

/**
 * Opens sealed signing secrets, keeping each by its data key id (a new secret is a new data key,
 * so an entry is never stale): a key that signs costs one secret-box open per router, not one per
 * request. Past the capacity the oldest is forgotten and opened again when next used.
 */
export function openedSecrets(box: SecretBox, capacity = OPENED_CAPACITY): RequestSigningDeps['openSecret'] {
  const opened = new Map<string, string>()
  return async (sealed) => {
    const hit = opened.get(sealed.data_key_id)
    if (hit !== undefined) return hit
    const secret = await box.open(sealed)
    opened.set(sealed.data_key_id, secret)
    if (opened.size > capacity) opened.delete(opened.keys().next().value ?? '')
    return secret
  }
}

/**
 * Adds signature checking to every route of `scope`, whose onRequest hook has set
 * `request.apiKey` before this is called (routes.ts registers authentication first).
 */
export function useRequestSigning(scope: FastifyInstance, deps: RequestSigningDeps): void {
  scope.decorateRequest('signed', null)
  scope.addHook('onRequest', async (request) => {
    if (request.apiKey) request.signed = pendingCheck(request, request.apiKey, deps.now())
  })
  scope.addHook('preParsing', async (request, _reply, payload) =>
    request.signed ? hashing(payload, request.signed.body) : payload,
  )
  scope.addHook('preValidation', (request, reply) => verify(deps, request, reply))
}
