import type { ChatCompletionRequest } from './chat-schema.ts'
import type { CompletionRequest, EmbeddingRequest } from './completions-schema.ts'
import { promptItems, worstPromptTokens } from './completions-schema.ts'
import { costUsd, type Model } from './models.ts'
import type { ResponsesRequest } from './responses.ts'

// The most a request can cost, held on its budgets and weighed against its token limits before
// any backend is called (docs/routing.md, "Budgets and limits"). Pure. Input: every byte of the
// billable request text counts as a token (no tokenizer yields fewer bytes than tokens), plus a
// per-message overhead and a stated bound per image. Output: the limit the caller set, else the
// model's own cap — a backend may generate up to its cap, so a smaller default could be exceeded.

/** Chat templates add a few tokens per message around its content. */
export const TOKENS_PER_MESSAGE = 8
/**
 * Tokens one image can cost, at most. OpenAI (high detail): scaled into 2048×2048 then 768 on the
 * short side, at most 8 tiles × 170 + 85 = 1445 tokens on GPT-4o, and at most 1536 patches × the
 * model's multiplier (up to 2.46 on gpt-4.1-nano, 3779) on patch-based models; Anthropic:
 * w×h/750 with the image resized to about 1.15 megapixels, about 1600 tokens. 4096 covers both.
 * An image's bytes sent inline (a data URL) are counted as text on top. Audio input is counted by
 * its bytes (base64 in the body: thousands of bytes a second, where providers bill tens of tokens).
 */
export const IMAGE_TOKENS = 4096

const IMAGE_PART_TYPES = new Set(['image_url', 'input_image', 'image'])

export interface WorstCaseTokens {
  input: number
  output: number
}

/** Images anywhere in a JSON value: content parts of type image_url / input_image / image. */
function imageCount(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + imageCount(item), 0)
  if (value === null || typeof value !== 'object') return 0
  const own = IMAGE_PART_TYPES.has((value as { type?: unknown }).type as string) ? 1 : 0
  return Object.values(value).reduce((sum: number, item) => sum + imageCount(item), own)
}

/** Every byte of the JSON of the billable fields (at least as long as their text), plus images. */
function textTokens(...fields: unknown[]): number {
  return fields.reduce(
    (sum: number, field) =>
      field === undefined || field === null
        ? sum
        : sum +
          Buffer.byteLength(typeof field === 'string' ? field : JSON.stringify(field)) +
          IMAGE_TOKENS * imageCount(field),
    0,
  )
}

const field = (body: object, name: string): unknown => (body as Record<string, unknown>)[name]

/**
 * A message's billable text: its content (a string as is, parts as JSON), its tool and function
 * calls; the role and the template around it are the per-message overhead.
 */
function messageTokens(message: ChatCompletionRequest['messages'][number]): number {
  return textTokens(
    message.content,
    field(message, 'tool_calls'),
    field(message, 'function_call'),
    field(message, 'name'),
  )
}

export function chatWorstCase(model: Model, body: ChatCompletionRequest): WorstCaseTokens {
  const input =
    body.messages.reduce((sum, message) => sum + messageTokens(message), 0) +
    textTokens(field(body, 'tools'), field(body, 'functions'), field(body, 'response_format')) +
    TOKENS_PER_MESSAGE * body.messages.length
  const output = (body.max_completion_tokens ?? body.max_tokens ?? model.max_output_tokens) * (body.n ?? 1)
  return { input, output }
}

/** Each prompt gets max(n, best_of) generations, each billed. */
export function completionsWorstCase(model: Model, body: CompletionRequest): WorstCaseTokens {
  const prompts = promptItems(body.prompt).length
  const input = worstPromptTokens(body.prompt) + textTokens(body.suffix) * prompts
  const perPrompt = (body.max_tokens ?? model.max_output_tokens) * Math.max(body.n ?? 1, body.best_of ?? 1)
  return { input, output: perPrompt * prompts }
}

export function embeddingsWorstCase(_model: Model, body: EmbeddingRequest): WorstCaseTokens {
  return { input: worstPromptTokens(body.input), output: 0 }
}

/**
 * A `previous_response_id` or a stored `file_id` adds context the router cannot see: the hold may
 * fall short of it, and the settlement bills what the backend reports.
 */
export function responsesWorstCase(model: Model, body: ResponsesRequest): WorstCaseTokens {
  const items = Array.isArray(body.input) ? body.input.length : 1
  const input =
    textTokens(body.instructions, body.input, field(body, 'tools'), field(body, 'text')) +
    TOKENS_PER_MESSAGE * items
  return { input, output: body.max_output_tokens ?? model.max_output_tokens }
}

export const worstCaseUsd = (model: Model, tokens: WorstCaseTokens): number =>
  costUsd(model, tokens.input, tokens.output)
