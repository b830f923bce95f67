import type { RoutedBackend } from '../models.ts'
import type { SseEvent } from '../sse-relay.ts'

// How a backend's `provider` is spoken to. The router speaks OpenAI's chat completions to its
// callers; an adapter turns such a request into the provider's own and the answer back. The
// anthropic adapter (gateways/router/providers/) plugs in here; until it does, anthropic backends
// are left out of routing (docs/routing.md#providers).

export interface UpstreamRequest {
  /** Appended to the backend's url, e.g. `/chat/completions`. */
  path: string
  headers: Readonly<Record<string, string>>
  body: Record<string, unknown>
}

export interface ProviderAdapter {
  /** The upstream request for an OpenAI chat completion body (the upstream model not yet set). */
  chatRequest(backend: RoutedBackend, body: Readonly<Record<string, unknown>>): UpstreamRequest
  /** An OpenAI chat completion from the provider's 2xx JSON body. */
  chatResponse(json: unknown): unknown
  /** OpenAI chunk events from the provider's 2xx event stream. */
  chatEvents(events: AsyncIterator<SseEvent>): AsyncIterator<SseEvent>
}

/** openai-compatible and vllm: the body as sent, the api key as a bearer header (already set). */
const openAiCompatible: ProviderAdapter = {
  chatRequest: (backend, body) => ({
    path: '/chat/completions',
    headers: backend.headers,
    body: { ...body, model: backend.upstream_model },
  }),
  chatResponse: (json) => json,
  chatEvents: (events) => events,
}

const adapters: Partial<Record<RoutedBackend['provider'], ProviderAdapter>> = {
  'openai-compatible': openAiCompatible,
  vllm: openAiCompatible,
}

/** The adapter of a backend's provider, or null when the router cannot speak to it yet. */
export const adapterFor = (backend: RoutedBackend): ProviderAdapter | null =>
  adapters[backend.provider] ?? null
