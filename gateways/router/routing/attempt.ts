import { AppError } from '../../../domain/errors.ts'
import { type BackendResponse, backendFailure, postToBackend, transportFailure } from '../backend.ts'
import type { AttemptVerdict } from '../health/backend-health.ts'
import type { RoutedBackend } from '../models.ts'
import { carriesContent, isErrorEvent, type SseEvent, sseEvents } from '../sse-relay.ts'
import type { ProviderAdapter } from './provider-seam.ts'

// One attempt at one backend: everything up to the moment something may reach the client (a
// JSON body read whole, or a stream's first content event), under the attempt's time limit.

/** What reaches the client: a JSON body (a completion or a backend's 4xx), or a stream. */
export type Delivery =
  | { kind: 'json'; backend: RoutedBackend; status: number; json: unknown }
  | { kind: 'stream'; backend: RoutedBackend; held: SseEvent[]; events: AsyncIterator<SseEvent> }

export type AttemptResult =
  | { delivered: Delivery; verdict: AttemptVerdict }
  | { error: AppError; verdict: AttemptVerdict; retryAfterMs: number | null }

export interface AttemptRequest {
  model: string
  body: Readonly<Record<string, unknown>>
  stream: boolean
  /** Aborted when the client goes away. */
  client: AbortSignal
}

/** The client went away during the attempt. */
export class ClientGone extends Error {}

/** Retry-After as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | null {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text.trim() === '') return null
  const seconds = Number(text)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(text)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

const failed = (error: AppError, verdict: AttemptVerdict, after: number | null = null): AttemptResult => ({
  error,
  verdict,
  retryAfterMs: after,
})

/** A backend's own 4xx, relayed as its body (OpenAI-shaped from OpenAI-compatible backends). */
async function clientError(backend: RoutedBackend, response: BackendResponse): Promise<AttemptResult> {
  const json: unknown = await response.body.json().catch(() => ({
    error: {
      message: `the backend refused the request (HTTP ${response.status})`,
      type: 'invalid_request_error',
    },
  }))
  return { delivered: { kind: 'json', backend, status: response.status, json }, verdict: 'success' }
}

/** Reads a stream up to its first content event; a stream that fails before it is a failure. */
async function preamble(backend: RoutedBackend, request: AttemptRequest, response: BackendResponse) {
  const events = sseEvents(response.body)[Symbol.asyncIterator]()
  const held: SseEvent[] = []
  for (;;) {
    const next = await events.next()
    if (next.done || isErrorEvent(next.value)) {
      response.body.destroy()
      const why = next.done ? 'ended before any content' : 'sent an error before any content'
      return failed(new AppError('BACKEND_ERROR', `the stream of model ${request.model} ${why}`), 'failure')
    }
    held.push(next.value)
    if (next.value.data === '[DONE]' || carriesContent(next.value)) {
      return { delivered: { kind: 'stream', backend, held, events }, verdict: 'success' } as const
    }
  }
}

async function readResponse(
  backend: RoutedBackend,
  adapter: ProviderAdapter,
  request: AttemptRequest,
  response: BackendResponse,
): Promise<AttemptResult> {
  if (response.status >= 500 || response.status === 429) {
    await response.body.dump()
    if (response.status >= 500) {
      const message = `the backend of model ${request.model} failed (HTTP ${response.status})`
      return failed(new AppError('BACKEND_ERROR', message), 'failure')
    }
    const message = `every backend of model ${request.model} is rate limited; retry later`
    // A 429 says the backend is up: it closes a half-open circuit rather than failing it.
    return failed(
      new AppError('BACKEND_RATE_LIMITED', message),
      'success',
      retryAfterMs(response.headers['retry-after'], Date.now()),
    )
  }
  if (response.status >= 400) return clientError(backend, response)
  if (request.stream) {
    const held = await preamble(backend, request, response)
    return 'delivered' in held && held.delivered.kind === 'stream'
      ? {
          delivered: { ...held.delivered, events: adapter.chatEvents(held.delivered.events) },
          verdict: 'success',
        }
      : held
  }
  try {
    const json = adapter.chatResponse(await response.body.json())
    return { delivered: { kind: 'json', backend, status: response.status, json }, verdict: 'success' }
  } catch (error) {
    if (error instanceof SyntaxError) {
      return failed(
        new AppError('BACKEND_ERROR', `the backend of model ${request.model} sent a body that is not JSON`),
        'failure',
      )
    }
    throw error
  }
}

/**
 * Calls one backend, limited to `limitMs` until something may reach the client; observes its
 * time to first byte through `onHeaders`. Throws ClientGone when the client went away.
 */
export async function attemptBackend(
  backend: RoutedBackend,
  adapter: ProviderAdapter,
  request: AttemptRequest,
  limits: { limitMs: number; onHeaders: (ms: number) => void },
): Promise<AttemptResult> {
  const timer = new AbortController()
  const timeout = setTimeout(() => timer.abort(), limits.limitMs)
  const started = performance.now()
  try {
    const upstream = adapter.chatRequest(backend, request.body)
    const signal = AbortSignal.any([request.client, timer.signal])
    const response = await postToBackend(backend, upstream, { silenceMs: backend.timeout_ms, signal })
    limits.onHeaders(performance.now() - started)
    return await readResponse(backend, adapter, request, response)
  } catch (error) {
    if (request.client.aborted) throw new ClientGone()
    const failure = timer.signal.aborted ? 'timeout' : transportFailure(error)
    return failed(backendFailure(request.model, failure), 'failure')
  } finally {
    clearTimeout(timeout)
  }
}
