import { createHash } from 'node:crypto'
import { estimateTokens } from '../router/chat-schema.ts'
import {
  type CompletionRequest,
  type EmbeddingRequest,
  estimatedPromptTokens,
  promptItems,
} from '../router/completions-schema.ts'
import type { ResponsesRequest } from '../router/responses.ts'
import { echoDeltas } from './echo.ts'

// The `echo` model's answers on the other OpenAI endpoints: a text completion echoes its prompt,
// an embedding is a vector derived from its input's hash (stable, so a walk-through can compare
// two), a response echoes its last user text. Token counts are ≈4 characters a token.

/** The vector width when a request names no `dimensions`. */
const ECHO_DIMENSIONS = 8

const itemText = (item: string | readonly number[]) => (typeof item === 'string' ? item : item.join(' '))

export function completionText(body: CompletionRequest): string {
  return promptItems(body.prompt).map(itemText).join('\n')
}

export function textCompletion(body: CompletionRequest, id: string, created: number) {
  const text = completionText(body)
  const prompt_tokens = estimatedPromptTokens(body.prompt)
  const completion_tokens = estimateTokens(text)
  return {
    id,
    object: 'text_completion',
    created,
    model: body.model,
    choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
  }
}

/** The completion as server-sent events: a chunk per word, then usage if asked, then [DONE]. */
export function textCompletionEvents(body: CompletionRequest, id: string, created: number): string {
  const whole = textCompletion(body, id, created)
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: 'text_completion', created, model: body.model, choices, ...extra })}\n\n`
  return [
    ...echoDeltas(completionText(body)).map((text) =>
      chunk([{ index: 0, text, finish_reason: null, logprobs: null }]),
    ),
    chunk([{ index: 0, text: '', finish_reason: 'stop', logprobs: null }]),
    ...(body.stream_options?.include_usage ? [chunk([], { usage: whole.usage })] : []),
    'data: [DONE]\n\n',
  ].join('')
}

function vectorOf(text: string, dimensions: number): number[] {
  const digest = createHash('sha256').update(text).digest()
  return Array.from({ length: dimensions }, (_, i) => ((digest[i % digest.length] ?? 0) - 127.5) / 127.5)
}

/** OpenAI's base64 encoding: the float32 little-endian bytes of the vector. */
const base64Of = (vector: number[]) => Buffer.from(new Float32Array(vector).buffer).toString('base64')

export function embeddings(body: EmbeddingRequest) {
  const dimensions = body.dimensions ?? ECHO_DIMENSIONS
  const data = promptItems(body.input).map((item, index) => {
    const vector = vectorOf(itemText(item), dimensions)
    const embedding = body.encoding_format === 'base64' ? base64Of(vector) : vector
    return { object: 'embedding', index, embedding }
  })
  const prompt_tokens = estimatedPromptTokens(body.input)
  return { object: 'list', data, model: body.model, usage: { prompt_tokens, total_tokens: prompt_tokens } }
}

/** The text of the last user input item (a string content or its text parts). */
function lastUserText(input: ResponsesRequest['input']): string {
  if (typeof input === 'string') return input
  const last = input.findLast((item) => item.role === 'user')
  const content: unknown = last?.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part: unknown) =>
      typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string'
        ? part.text
        : '',
    )
    .filter(Boolean)
    .join(' ')
}

export function response(body: ResponsesRequest, id: string, created: number) {
  const text = lastUserText(body.input)
  const input_tokens = estimateTokens(`${body.instructions ?? ''}${JSON.stringify(body.input)}`)
  const output_tokens = estimateTokens(text)
  const message = {
    type: 'message',
    id: `msg_${id}`,
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [] }],
  }
  return {
    id: `resp_${id}`,
    object: 'response',
    created_at: created,
    status: 'completed',
    model: body.model,
    output: [message],
    usage: { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens },
  }
}

/** The response as a Responses API stream: created, a text delta per word, completed (no [DONE]). */
export function responseEvents(body: ResponsesRequest, id: string, created: number): string {
  const whole = response(body, id, created)
  const text = lastUserText(body.input)
  const started = { ...whole, status: 'in_progress', output: [], usage: null }
  const item = { ...whole.output[0], status: 'in_progress', content: [] }
  const at = { item_id: item.id, output_index: 0, content_index: 0 }
  const events: Array<[string, Record<string, unknown>]> = [
    ['response.created', { response: started }],
    ['response.in_progress', { response: started }],
    ['response.output_item.added', { output_index: 0, item }],
    ['response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }],
    ...echoDeltas(text).map((delta): [string, Record<string, unknown>] => [
      'response.output_text.delta',
      { ...at, delta },
    ]),
    ['response.output_text.done', { ...at, text }],
    ['response.output_item.done', { output_index: 0, item: whole.output[0] }],
    ['response.completed', { response: whole }],
  ]
  return events
    .map(
      ([type, fields], sequence_number) =>
        `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number, ...fields })}\n\n`,
    )
    .join('')
}
