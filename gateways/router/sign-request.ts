import { createHash, createHmac } from 'node:crypto'

// Request signing as a caller does it (docs/routing.md, Request signing), with node:crypto only,
// so a Node caller can copy this file as it is; the router checks with the same functions
// (signature.ts). The signed text is four lines:
//   METHOD \n path?query \n unix-seconds \n hex SHA-256 of the raw body bytes
// and the signature `v1=` + hex HMAC-SHA256 of it, keyed with the key's signing secret.

export const TIMESTAMP_HEADER = 'x-aiaas-timestamp'
export const SIGNATURE_HEADER = 'x-aiaas-signature'

export type SignedBody = string | Uint8Array | undefined | null

const sha256Hex = (body: SignedBody): string =>
  createHash('sha256')
    .update(body ?? '')
    .digest('hex')

/** The text that is signed; `path` is the request target as sent (path and query string). */
export const signingText = (method: string, path: string, timestamp: string, bodySha256Hex: string): string =>
  `${method.toUpperCase()}\n${path}\n${timestamp}\n${bodySha256Hex}`

/** Hex HMAC-SHA256 of the signing text (without the `v1=` label). */
export const hmacHex = (secret: string, text: string): string =>
  createHmac('sha256', secret).update(text).digest('hex')

/** The two headers of a signed request. `now` in milliseconds (default: the clock). */
export function signRequest(input: {
  secret: string
  method: string
  path: string
  body?: SignedBody
  now?: number
}): Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string> {
  const timestamp = String(Math.floor((input.now ?? Date.now()) / 1000))
  const text = signingText(input.method, input.path, timestamp, sha256Hex(input.body))
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `v1=${hmacHex(input.secret, text)}` }
}

/** The body as bytes, when fetch was given one it can sign (the openai SDK sends a string). */
function bodyOf(body: unknown): SignedBody {
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array)
    return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  throw new TypeError('signingFetch signs string and byte bodies only')
}

/** How far ahead of the clock a repeat may be stamped (the router accepts up to 300 s). */
const MAX_AHEAD_SECONDS = 60
const REMEMBERED = 1000

/**
 * The second to stamp a request with: the clock's, unless the same request (method, path, body)
 * was already stamped with it or later, then one more. The router accepts a signature once, so
 * a repeat within the same second (the openai SDK's retry after a quick 5xx or a dropped
 * connection) would be refused as a replay; stamped a second later, it is another request.
 */
function distinctSeconds(): (request: string, nowMs: number) => number {
  const last = new Map<string, number>()
  return (request, nowMs) => {
    const clock = Math.floor(nowMs / 1000)
    const previous = last.get(request)
    const seconds =
      previous !== undefined && previous >= clock && previous - clock < MAX_AHEAD_SECONDS
        ? previous + 1
        : clock
    last.delete(request)
    last.set(request, seconds)
    if (last.size > REMEMBERED) last.delete(last.keys().next().value ?? '')
    return seconds
  }
}

/**
 * A `fetch` that signs every request it sends, for clients that take one (the openai SDK's
 * `fetch` option): `new OpenAI({ apiKey, baseURL, fetch: signingFetch(signingSecret) })`.
 * A request repeated within one second is stamped a second later (distinctSeconds).
 */
export function signingFetch(
  secret: string,
  inner: typeof fetch = fetch,
  clock: () => number = Date.now,
): typeof fetch {
  const stamp = distinctSeconds()
  return (input, init) => {
    const request = input instanceof Request ? input : null
    if (request?.body && init?.body === undefined) throw new TypeError('signingFetch: pass the body in init')
    const url = new URL(request ? request.url : input.toString())
    const method = init?.method ?? request?.method ?? 'GET'
    const headers = new Headers(init?.headers ?? request?.headers)
    const path = url.pathname + url.search
    const body = bodyOf(init?.body)
    const now = stamp(`${method.toUpperCase()} ${path} ${sha256Hex(body)}`, clock()) * 1000
    const signed = signRequest({ secret, method, path, body, now })
    for (const [name, value] of Object.entries(signed)) headers.set(name, value)
    return inner(input, { ...init, headers })
  }
}
