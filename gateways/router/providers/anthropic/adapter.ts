import { chatCompletionRequest } from '../../chat-schema.ts'
import { fromErrorResponse, openAiErrorBody, type ProviderFailure } from './errors.ts'
import { MESSAGES_PATH, messagesHeaders, toMessagesRequest } from './request.ts'
import { toChatCompletion } from './response.ts'
import { createStreamTranslator } from './stream.ts'

// The anthropic provider as the router's provider seam calls it (docs/routing.md, "Providers:
// anthropic"): a request out, an answer, a stream or an error back. Everything here is the pure
// translation of request.ts, response.ts, stream.ts and errors.ts, plus the clock.

/** What the adapter needs of a routed backend. */
export interface AnthropicBackend {
  /** The model name sent upstream. */
  upstream_model: string
  /** Configured headers; the catalogue adds `authorization: Bearer <api key>`, sent as x-api-key. */
  headers: Readonly<Record<string, string>>
  /**
   * The model's output limit, sent as max_tokens when the request names none. Required: a default
   * above the model's own limit is refused by Anthropic (400).
   */
  max_output_tokens: number
}

/** One server-sent event: its bytes and its joined `data:` lines. */
export interface SseEvent {
  raw: string
  data: string
}

/** The api key out of the catalogue's bearer header, and the other headers as configured. */
function splitCredentials(headers: Readonly<Record<string, string>>) {
  let apiKey: string | null = null
  const rest: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'authorization') rest[name] = value
    else apiKey = value.replace(/^Bearer\s+/i, '')
  }
  return { apiKey, rest }
}

const nowSeconds = () => Math.floor(Date.now() / 1000)
const dataEvent = (payload: unknown): SseEvent => {
  const data = typeof payload === 'string' ? payload : JSON.stringify(payload)
  return { raw: `data: ${data}\n\n`, data }
}

export const anthropicAdapter = {
  chatRequest(backend: AnthropicBackend, body: Readonly<Record<string, unknown>>) {
    const { apiKey, rest } = splitCredentials(backend.headers)
    const request = chatCompletionRequest.parse(body)
    const target = { upstream_model: backend.upstream_model, max_output_tokens: backend.max_output_tokens }
    return {
      path: MESSAGES_PATH,
      headers: messagesHeaders(apiKey, rest),
      body: { ...toMessagesRequest(request, target) },
    }
  },

  chatResponse: (json: unknown) => toChatCompletion(json, { created: nowSeconds() }),

  /** A 4xx/5xx answer → the router's error; the api key is never echoed. */
  chatError(backend: AnthropicBackend, status: number, json: unknown): ProviderFailure {
    const { apiKey } = splitCredentials(backend.headers)
    return fromErrorResponse(status, json, { model: backend.upstream_model, secrets: apiKey ? [apiKey] : [] })
  },

  /**
   * Anthropic events → OpenAI chunk events. A failure mid-stream becomes OpenAI's in-band error
   * chunk (the relay ends the stream there, with no [DONE]). The upstream iterator is closed when
   * the translation ends, so its connection is released; the backend's key is redacted from
   * error messages.
   */
  async *chatEvents(backend: AnthropicBackend, events: AsyncIterator<SseEvent>): AsyncGenerator<SseEvent> {
    const { apiKey } = splitCredentials(backend.headers)
    const translator = createStreamTranslator({ created: nowSeconds(), secrets: apiKey ? [apiKey] : [] })
    try {
      for (let next = await events.next(); !next.done; next = await events.next()) {
        if (next.value.data === '') continue
        for (const out of translator.push(next.value.data)) {
          if (out.kind === 'chunk') yield dataEvent(out.chunk)
          else if (out.kind === 'done') yield dataEvent('[DONE]')
          else yield dataEvent(openAiErrorBody(out.failure.error))
        }
        if (translator.ended) break
      }
    } finally {
      await events.return?.()
    }
  },
}
