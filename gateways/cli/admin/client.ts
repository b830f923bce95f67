import { Readable } from 'node:stream'
import { CliError, EXIT } from './exit-codes.ts'
import { ApiError, problemOf } from './problem.ts'

// The HTTP client of the admin commands: fetch (undici, built into Node) with a bearer token,
// JSON in and out. A failed answer becomes an ApiError, an endpoint that does not answer a
// CliError with exit 7.

export type Query = Readonly<Record<string, string | number | boolean | undefined>>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** The If-Match header: the ETag a write depends on. */
  ifMatch?: string | undefined
}

export interface JsonResponse {
  status: number
  body: unknown
  etag: string | null
}

export interface Api {
  /** A JSON request to `base` + `path`; resolves on 2xx only. */
  json(method: string, base: string, path: string, options?: RequestOptions): Promise<JsonResponse>
  /** A GET whose body is streamed to the caller (exports). */
  stream(base: string, path: string, query?: Query): Promise<Response>
}

export function urlOf(base: string, path: string, query: Query = {}): string {
  const url = new URL(`${base}${path}`)
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(name, String(value))
  return url.toString()
}

/** fetch, with a connection failure turned into exit 7 and a non-2xx into its ApiError. */
export async function send(url: string, init: RequestInit): Promise<Response> {
  let response: Response
  try {
    response = await fetch(url, init)
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)
    throw new CliError(EXIT.unavailable, `cannot reach ${new URL(url).origin}: ${cause}`)
  }
  if (!response.ok) throw new ApiError(problemOf(response.status, await response.text()))
  return response
}

export interface ApiOptions {
  /** Sent as Idempotency-Key on every POST (docs/admin-api.md, "Idempotency"). */
  idempotencyKey?: string | undefined
  /** Told when the API answered a POST with the stored answer of an earlier one. */
  onReplay?: () => void
}

/** The API client with the token `token()` gives (fetched once, when the first call needs it). */
export function createApi(token: () => Promise<string>, apiOptions: ApiOptions = {}): Api {
  let bearer: Promise<string> | undefined
  const authorization = async () => {
    bearer ??= token()
    return `Bearer ${await bearer}`
  }
  return {
    async json(method, base, path, options = {}) {
      const headers: Record<string, string> = {
        authorization: await authorization(),
        accept: 'application/json',
      }
      if (options.body !== undefined) headers['content-type'] = 'application/json'
      if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch
      if (method === 'POST' && apiOptions.idempotencyKey !== undefined)
        headers['idempotency-key'] = apiOptions.idempotencyKey
      const response = await send(urlOf(base, path, options.query), {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      })
      if (response.headers.get('idempotent-replayed') === 'true') apiOptions.onReplay?.()
      const text = await response.text()
      return {
        status: response.status,
        body: text === '' ? null : JSON.parse(text),
        etag: response.headers.get('etag'),
      }
    },
    async stream(base, path, query) {
      return send(urlOf(base, path, query), { headers: { authorization: await authorization() } })
    },
  }
}

/** A response's body as a Node stream (a download, an export), read as the writer takes it. */
export function bodyStream(response: Response): Readable {
  const body = response.body
  async function* chunks() {
    if (body === null) return
    const reader = body.getReader()
    for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value
  }
  return Readable.from(chunks())
}
