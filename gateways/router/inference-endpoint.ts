import type { ChatCompletionRequest } from './chat-schema.ts'
import { estimateTokens, promptText, withUsage } from './chat-schema.ts'
import type { Model } from './models.ts'
import { checkOutputLimit } from './output-limit.ts'
import type { Endpoint } from './routing/provider-seam.ts'
import { chatWorstCase, type WorstCaseTokens, worstCaseUsd } from './worst-case.ts'

// Chat completions, text completions, embeddings and responses share one request path
// (chat-completions.ts: check, reserve, route, relay, meter); what differs between them is here,
// one value per endpoint (chat below; completions.ts, responses.ts).

/** The body fields every endpoint's schema declares; the rest passes through to the backend. */
export type InferenceBody = Readonly<Record<string, unknown>> & {
  model: string
  stream?: boolean | null | undefined
  stream_options?: { include_usage?: boolean | undefined } | null | undefined
}

/** What differs between the OpenAI endpoints served through the one routing engine. */
export interface InferenceEndpoint<B extends InferenceBody> {
  endpoint: Endpoint
  /** Input tokens when the backend reports none (estimated from the body). */
  estimatedInput(body: B): number
  /**
   * The most the request can cost, reserved on the key's budgets before any backend is called
   * (gateways/router/worst-case.ts). The output is the caller's limit, else the model's cap:
   * `_defaultMaxOutput` is no longer used.
   */
  worstCaseUsd(model: Model, body: B, _defaultMaxOutput?: number): number
  /** The same worst case in tokens, weighed against the token (TPM) limits. */
  worstCaseTokens(model: Model, body: B): WorstCaseTokens
  /** Refuses output limits above the model's own (400), before anything is reserved. */
  checkOutput(model: Model, body: B): void
  /**
   * A stream's usage: `on_request` (chat, completions) is asked of the backend with
   * `stream_options.include_usage` and shown to the client only if it asked; `always` (responses)
   * comes in every stream's last event, relayed as sent.
   */
  streamUsage: 'on_request' | 'always'
  /** Tokens from a backend's 2xx JSON answer; null when it reports none. */
  usage(json: unknown): { input_tokens: number; output_tokens: number } | null
}

/** Usage of chat and text completions: `prompt_tokens` and `completion_tokens`. */
export function completionUsage(json: unknown) {
  const parsed = withUsage.safeParse(json)
  const usage = parsed.success ? parsed.data.usage : null
  return usage ? { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens } : null
}

export const chatEndpoint: InferenceEndpoint<ChatCompletionRequest> = {
  endpoint: 'chat',
  estimatedInput: (body) => estimateTokens(promptText(body)),
  worstCaseUsd: (model, body) => worstCaseUsd(model, chatWorstCase(model, body)),
  worstCaseTokens: chatWorstCase,
  checkOutput: checkOutputLimit,
  streamUsage: 'on_request',
  usage: completionUsage,
}
