import { type Api, ApiError, type Problem, type Query } from './contract.ts'

// The Api pages use: the admin API (`/admin/v1…`) at the identity process's origin, the analytics
// API (`/analytics/v1…`) at its own (the same in `aiaas dev`), each call with the user's access
// token. Any answer that is not 2xx becomes an ApiError carrying the API's problem.

export interface Bases {
  admin: string
  analytics: string
}

/** The absolute URL of an API path: `/analytics/v1…` goes to the analytics base, anything else to the admin base. */
export function apiUrl(bases: Bases, path: string, query: Query = {}): string {
  const base = path.startsWith('/analytics/') ? bases.analytics : bases.admin
  const url = new URL(`${base.replace(/\/$/, '')}${path}`)
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value))
  }
  return url.href
}

/**
 * The ApiError of a failed answer: an RFC 9457 problem as it is, OpenAI's `{ error: {…} }` as a
 * problem, anything else (a proxy's HTML page) a problem with the status's own words.
 */
export function toApiError(status: number, body: unknown, statusText = ''): ApiError {
  const fallback = { status, title: statusText || `HTTP ${status}` }
  if (typeof body !== 'object' || body === null) return new ApiError(status, fallback)
  const error: unknown = Reflect.get(body, 'error')
  if (typeof error === 'object' && error !== null) {
    const message = Reflect.get(error, 'message')
    const code = Reflect.get(error, 'code')
    return new ApiError(status, {
      ...fallback,
      detail: typeof message === 'string' ? message : undefined,
      code: typeof code === 'string' ? code : undefined,
    })
  }
  return new ApiError(status, { ...fallback, ...(body as Problem), status })
}

/** The error of a request that got no answer at all (offline, refused, blocked by CORS). */
export function networkError(cause: unknown): ApiError {
  const detail = cause instanceof Error ? cause.message : String(cause)
  return new ApiError(0, { title: 'The API could not be reached', detail })
}

export type TokenSource = () => Promise<string>

export function createApi(bases: Bases, token: TokenSource, fetcher: typeof fetch = fetch): Api {
  async function call<T>(method: string, path: string, query?: Query, body?: unknown, extra = {}) {
    const headers: Record<string, string> = { authorization: `Bearer ${await token()}`, ...extra }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }
      response = await fetcher(apiUrl(bases, path, query), init)
    } catch (cause) {
      throw networkError(cause)
    }
    const text = await response.text()
    const parsed = parseJson(text)
    if (!response.ok) throw toApiError(response.status, parsed, response.statusText)
    return parsed as T
  }
  return {
    get: (path, query) => call('GET', path, query),
    send: (method, path, body, headers) => call(method, path, undefined, body, headers),
    url: (path, query) => apiUrl(bases, path, query),
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
