import type { AppError } from '../../../domain/errors.ts'
import type { RoutedBackend } from '../models.ts'
import { anthropicAdapter } from '../providers/anthropic/adapter.ts'
import { responsesEvents } from '../responses-stream.ts'
import type { SseEvent } from '../sse-relay.ts'

// How a backend's `provider` is spoken to. The router speaks OpenAI's chat completions to its
// callers; an adapter turns such a request into the provider's own and the answer back. A
// provider without an adapter here is left out of routing (docs/routing.md#providers).

export interface UpstreamRequest {
  /** Appended to the backend's url, e.g. `/chat/completions`. */
  path: string
  headers: Readonly<Record<string, string>>
  body: Record<string, unknown>
}

/** A provider's non-2xx answer as the router's error, and whether another attempt may help. */
export interface ProviderFailure {
  error: AppError
  retryable: boolean
}

export interface ProviderAdapter {
  /** The upstream request for an OpenAI chat completion body (`backend.headers` hold the key). */
  chatRequest(backend: RoutedBackend, body: Readonly<Record<string, unknown>>): UpstreamRequest
  /** An OpenAI chat completion from the provider's 2xx JSON body. */
  chatResponse(json: unknown): unknown
  /**
   * A non-2xx answer (its JSON body, or null) as the router's error. Absent: the OpenAI-compatible
   * rules (a 4xx other than 429 relayed as it is; 429 and 5xx retried).
   */
  chatError?(backend: RoutedBackend, status: number, json: unknown): ProviderFailure
  /** OpenAI chunk events from the provider's 2xx event stream; applied before the preamble is held. */
  chatEvents(backend: RoutedBackend, events: AsyncIterator<SseEvent>): AsyncIterator<SseEvent>
}

/** The OpenAI endpoints the router serves; chat is the one every adapter translates. */
export type Endpoint = 'chat' | 'completions' | 'embeddings' | 'responses'

const endpointPaths: Record<Endpoint, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  responses: '/responses',
}

/** An endpoint other than chat, sent to an OpenAI-compatible backend as it came (model renamed). */
const passThrough = (endpoint: Endpoint): ProviderAdapter => ({
  chatRequest: (backend, body) => ({
    path: endpointPaths[endpoint],
    headers: backend.headers,
    body: { ...body, model: backend.upstream_model },
  }),
  chatResponse: (json) => json,
  // A Responses stream is relayed as sent, read through its chat meaning (responses-stream.ts).
  chatEvents: (_backend, events) => (endpoint === 'responses' ? responsesEvents(events) : events),
})

/** openai-compatible and vllm: the body as sent, the api key as a bearer header (already set). */
const openAiCompatible: ProviderAdapter = {
  chatRequest: (backend, body) => ({
    path: '/chat/completions',
    headers: backend.headers,
    body: { ...body, model: backend.upstream_model },
  }),
  chatResponse: (json) => json,
  chatEvents: (_backend, events) => events,
}

// Every provider the catalogue accepts has its adapter: a provider added to the catalogue
// without one is a type error here, so no stored backend is ever left without one.
const adapters: Record<RoutedBackend['provider'], ProviderAdapter> = {
  'openai-compatible': openAiCompatible,
  vllm: openAiCompatible,
  anthropic: anthropicAdapter,
}

/** The adapter of a backend's provider. */
export const adapterFor = (backend: RoutedBackend): ProviderAdapter => adapters[backend.provider]

/** Providers that speak OpenAI's whole API, so any endpoint passes through to them. */
const openAiShaped: ReadonlySet<RoutedBackend['provider']> = new Set(['openai-compatible', 'vllm'])

/**
 * The adapter speaking `endpoint` to a backend: chat through its provider's adapter, the other
 * endpoints passed through to OpenAI-shaped providers only; null when the backend cannot serve it.
 */
export function endpointAdapter(backend: RoutedBackend, endpoint: Endpoint): ProviderAdapter | null {
  if (endpoint === 'chat') return adapterFor(backend)
  return openAiShaped.has(backend.provider) ? passThrough(endpoint) : null
}
