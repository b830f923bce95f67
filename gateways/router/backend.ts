import { type Dispatcher, errors, Pool } from 'undici'
import { AppError } from '../../domain/errors.ts'
import type { RoutedBackend } from './models.ts'
import type { UpstreamRequest } from './routing/provider-seam.ts'

export interface BackendResponse {
  status: number
  headers: Readonly<Record<string, string | string[] | undefined>>
  body: Dispatcher.ResponseData['body']
}

/** How an attempt's transport failed: the router's own time limit, or the connection. */
export type TransportFailure = 'timeout' | 'unavailable'

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

export function transportFailure(error: unknown): TransportFailure {
  const code = error instanceof errors.UndiciError ? error.code : undefined
  return code && timeoutCodes.has(code) ? 'timeout' : 'unavailable'
}

/** The client-facing error of a transport failure, naming the model and no backend detail. */
export function backendFailure(model: string, failure: TransportFailure): AppError {
  return failure === 'timeout'
    ? new AppError('BACKEND_TIMEOUT', `the backend of model ${model} did not answer in time`)
    : new AppError('BACKEND_UNAVAILABLE', `the backend of model ${model} is unavailable`)
}

/**
 * Drops a response body not read to its end, freeing its socket. undici reports such a body as
 * aborted through an 'error' event, which would be uncaught without a listener.
 */
export function discard(body: BackendResponse['body']): void {
  body.on('error', () => {})
  body.destroy()
}

// One keep-alive Pool per backend url (and Unix socket, if any), made on its first call and kept
// for the process's life (a catalogue's urls are few): a call goes straight to it with a path,
// instead of through undici's global Agent, which parses the full URL and looks its origin's pool
// up on every request. The url's path prefix (`/v1` of `http://host/v1`) is worked out once too.
interface BackendLine {
  pool: Pool
  prefix: string
}

const lines = new Map<string, BackendLine>()

function lineOf(backend: RoutedBackend): BackendLine {
  const socketPath = backend.socket_path
  const key = socketPath === undefined ? backend.url : `${backend.url}\0${socketPath}`
  let line = lines.get(key)
  if (!line) {
    const url = new URL(backend.url)
    const pool = new Pool(url.origin, socketPath === undefined ? {} : { connect: { socketPath } })
    line = { pool, prefix: url.pathname.replace(/\/$/, '') }
    lines.set(key, line)
  }
  return line
}

/**
 * POSTs an OpenAI-compatible request to one backend. The response body is a stream, never read
 * here; `signal` aborts the call and frees its socket (client gone, attempt over time).
 * `silenceMs` bounds each wait for bytes once the response started.
 */
export async function postToBackend(
  backend: RoutedBackend,
  upstream: UpstreamRequest,
  options: { silenceMs: number; signal: AbortSignal },
): Promise<BackendResponse> {
  const { pool, prefix } = lineOf(backend)
  const response = await pool.request({
    path: `${prefix}${upstream.path}`,
    method: 'POST',
    headers: {
      ...upstream.headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(upstream.body),
    // The attempt's own timer bounds the wait for headers; these are upper bounds behind it.
    headersTimeout: options.silenceMs,
    bodyTimeout: options.silenceMs,
    signal: options.signal,
  })
  return { status: response.statusCode, headers: response.headers, body: response.body }
}
