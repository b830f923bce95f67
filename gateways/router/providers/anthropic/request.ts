import type { ChatCompletionRequest } from '../../chat-schema.ts'
import { checkFields } from './fields.ts'
import { jsonOutput } from './json-output.ts'
import { toConversation } from './messages.ts'
import { refuse } from './refuse.ts'
import { toToolChoice, toTools } from './tools.ts'
import { ANTHROPIC_VERSION, type MessagesRequest } from './wire.ts'

/** What the translation needs to know of the model behind the request. */
export interface AnthropicTarget {
  /** The model name Anthropic knows (the catalogue's upstream name). */
  upstream_model: string
  /** Sent as max_tokens when the request names none: the Messages API requires it. */
  max_output_tokens: number
}

/** The Messages API path, relative to the backend's URL (its API base, e.g. …/v1). */
export const MESSAGES_PATH = '/messages'

/** Headers of a Messages API call; the key is sent as x-api-key, never as a bearer token. */
export function messagesHeaders(apiKey: string | null, extra: Readonly<Record<string, string>> = {}) {
  return {
    ...extra,
    ...(apiKey === null ? {} : { 'x-api-key': apiKey }),
    'anthropic-version': ANTHROPIC_VERSION,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  }
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined
  if (typeof stop === 'string') return [stop]
  if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) return stop
  return refuse('stop', 'must be a string or an array of strings')
}

function temperature(value: number | null | undefined): number | undefined {
  if (value === undefined || value === null) return undefined
  // Anthropic's range is 0..1; rescaling OpenAI's 0..2 would change what the caller asked for.
  if (value > 1) refuse('temperature', 'must be at most 1 for this model (its provider is anthropic)')
  return value
}

/** An OpenAI chat completion body → a Messages API body; refused fields throw 400 naming them. */
export function toMessagesRequest(body: ChatCompletionRequest, target: AnthropicTarget): MessagesRequest {
  checkFields(body)
  const { system, turns } = toConversation(body.messages)
  const json = jsonOutput(body.response_format, body.tools)
  const tools = json ? [json.tool] : toTools(body.tools)
  const tool_choice = json
    ? json.choice
    : tools
      ? toToolChoice(body.tool_choice, body.parallel_tool_calls)
      : undefined
  const stop_sequences = stopSequences(body.stop)
  const temp = temperature(body.temperature)
  const user = typeof body.user === 'string' && body.user !== '' ? body.user : undefined
  return {
    model: target.upstream_model,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? target.max_output_tokens,
    messages: turns,
    ...(system.length > 0 ? { system } : {}),
    ...(stop_sequences ? { stop_sequences } : {}),
    ...(temp === undefined ? {} : { temperature: temp }),
    ...(typeof body.top_p === 'number' ? { top_p: body.top_p } : {}),
    ...(body.stream ? { stream: true } : {}),
    ...(tools ? { tools } : {}),
    ...(tool_choice ? { tool_choice } : {}),
    ...(user ? { metadata: { user_id: user } } : {}),
  }
}
