import { Agent, type Dispatcher, errors, request } from 'undici'
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

// TCP backends go through undici's global Agent, which keeps one keep-alive Pool per origin.
// A backend reached over a Unix socket gets its own Agent, kept per socket path.
const socketAgents = new Map<string, Agent>()

function dispatcherOf(backend: RoutedBackend): Dispatcher | undefined {
  const socketPath = backend.socket_path
  if (socketPath === undefined) return undefined
  let agent = socketAgents.get(socketPath)
  if (!agent) {
    agent = new Agent({ connect: { socketPath } })
    socketAgents.set(socketPath, agent)
  }
  return agent
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
  const url = `${backend.url.replace(/\/$/, '')}${upstream.path}`
  const response = await request(url, {
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
    dispatcher: dispatcherOf(backend),
  })
  return { status: response.statusCode, headers: response.headers, body: response.body }
}
