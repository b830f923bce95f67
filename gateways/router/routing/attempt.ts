import { AppError } from '../../../domain/errors.ts'
import { type BackendResponse, backendFailure, discard, postToBackend, transportFailure } from '../backend.ts'
import type { AttemptVerdict } from '../health/backend-health.ts'
import type { RoutedBackend } from '../models.ts'
import { carriesContent, isErrorEvent, type SseEvent, sseEvents } from '../sse-relay.ts'
import type { ProviderAdapter, UpstreamRequest } from './provider-seam.ts'

// One attempt at one backend: everything up to the moment something may reach the client (a
// JSON body read whole, or a stream's first content event), under the attempt's time limit.

/** What reaches the client: a JSON body (a completion or a backend's 4xx), or a stream. */
export type Delivery =
  | { kind: 'json'; backend: RoutedBackend; status: number; json: unknown }
  | {
      kind: 'stream'
      backend: RoutedBackend
      held: SseEvent[]
      events: AsyncIterator<SseEvent>
      /** Frees the backend's response, read to its end or not (an adapter may stop early). */
      close: () => void
    }

export type AttemptResult =
  | { delivered: Delivery; verdict: AttemptVerdict }
  /** Another attempt may succeed. */
  | { error: AppError; verdict: AttemptVerdict; retryAfterMs: number | null }
  /**
   * The provider refused this request: no other attempt is made. Verdict null: refused by the
   * adapter before any call, which says nothing of the backend's health.
   */
  | { refused: AppError; verdict: AttemptVerdict | null }

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
async function preamble(
  backend: RoutedBackend,
  adapter: ProviderAdapter,
  request: AttemptRequest,
  response: BackendResponse,
): Promise<AttemptResult> {
  const events = adapter.chatEvents(backend, sseEvents(response.body)[Symbol.asyncIterator]())
  const held: SseEvent[] = []
  for (;;) {
    const next = await events.next()
    if (next.done || isErrorEvent(next.value)) {
      discard(response.body)
      const why = next.done ? 'ended before any content' : 'sent an error before any content'
      return failed(new AppError('BACKEND_ERROR', `the stream of model ${request.model} ${why}`), 'failure')
    }
    held.push(next.value)
    if (next.value.data === '[DONE]' || carriesContent(next.value)) {
      const close = () => discard(response.body)
      return { delivered: { kind: 'stream', backend, held, events, close }, verdict: 'success' }
    }
  }
}

/** 5xx and 429, by the OpenAI-compatible rules: retried; a 429 after its Retry-After. */
function retriedStatus(request: AttemptRequest, response: BackendResponse): AttemptResult {
  if (response.status >= 500) {
    const message = `the backend of model ${request.model} failed (HTTP ${response.status})`
    return failed(new AppError('BACKEND_ERROR', message), 'failure')
  }
  const message = `every backend of model ${request.model} is rate limited; retry later`
  const after = retryAfterMs(response.headers['retry-after'], Date.now())
  // A 429 says the backend is up: it closes a half-open circuit rather than failing it.
  return failed(new AppError('BACKEND_RATE_LIMITED', message), 'success', after)
}

/** A non-2xx answer through the provider's own mapping: retried or final, its key never echoed. */
async function providerError(
  backend: RoutedBackend,
  chatError: NonNullable<ProviderAdapter['chatError']>,
  response: BackendResponse,
): Promise<AttemptResult> {
  const json: unknown = await response.body.json().catch(() => null)
  const { error, retryable } = chatError(backend, response.status, json)
  const verdict = response.status >= 500 ? 'failure' : 'success'
  if (!retryable) return { refused: error, verdict }
  return failed(error, verdict, retryAfterMs(response.headers['retry-after'], Date.now()))
}

async function readResponse(
  backend: RoutedBackend,
  adapter: ProviderAdapter,
  request: AttemptRequest,
  response: BackendResponse,
): Promise<AttemptResult> {
  if (response.status >= 400 && adapter.chatError) return providerError(backend, adapter.chatError, response)
  if (response.status >= 500 || response.status === 429) {
    await response.body.dump()
    return retriedStatus(request, response)
  }
  if (response.status >= 400) return clientError(backend, response)
  if (request.stream) return preamble(backend, adapter, request, response)
  try {
    const json = adapter.chatResponse(await response.body.json())
    return { delivered: { kind: 'json', backend, status: response.status, json }, verdict: 'success' }
  } catch (error) {
    // The backend answered, wrongly (an adapter's AppError: JSON not in its API's shape): a
    // backend failure, never a transport one, which would read as "unavailable".
    if (error instanceof AppError) return failed(error, 'failure')
    if (!(error instanceof SyntaxError)) throw error
    const message = `the backend of model ${request.model} sent a body that is not JSON`
    return failed(new AppError('BACKEND_ERROR', message), 'failure')
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
  // A body the provider's adapter cannot translate (anthropic: a field it cannot honour) is the
  // caller's to fix: refused with the adapter's 400 before any call, never retried elsewhere.
  let upstream: UpstreamRequest
  try {
    upstream = adapter.chatRequest(backend, request.body)
  } catch (error) {
    if (error instanceof AppError) return { refused: error, verdict: null }
    throw error
  }
  // One signal for the call, aborted by the attempt's timer or by the client leaving, before the
  // answer or mid-stream: the listener stays, as the client's signal lives only as long as its
  // request (at most one listener an attempt). AbortSignal.any cost ~10–20 µs more a request.
  const call = new AbortController()
  const abort = () => call.abort()
  if (request.client.aborted) abort()
  else request.client.addEventListener('abort', abort, { once: true })
  let timedOut = false
  const timeout = setTimeout(() => {
    timedOut = true
    abort()
  }, limits.limitMs)
  const started = performance.now()
  try {
    const response = await postToBackend(backend, upstream, {
      silenceMs: backend.timeout_ms,
      signal: call.signal,
    })
    limits.onHeaders(performance.now() - started)
    return await readResponse(backend, adapter, request, response)
  } catch (error) {
    if (request.client.aborted) throw new ClientGone()
    const failure = timedOut ? 'timeout' : transportFailure(error)
    return failed(backendFailure(request.model, failure), 'failure')
  } finally {
    clearTimeout(timeout)
  }
}
