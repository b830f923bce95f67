import { AppError } from '../../../../domain/errors.ts'
import { JSON_OUTPUT_TOOL } from './json-output.ts'
import { chatUsage, finishReason } from './outcome.ts'
import { messagesResponse, responseBlock } from './wire.ts'

/** What a translated answer says of itself: the public model name and its creation time. */
export interface AnswerContext {
  /** The model name shown; the provider's own (upstream) name when absent. */
  model?: string
  /** Unix seconds (OpenAI's `created`), given by the caller: the translation is pure. */
  created: number
}

export interface ToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

/** The answer's blocks: text, the client's tool calls, and a JSON response_format's answer. */
function readBlocks(content: readonly unknown[]) {
  const texts: string[] = []
  const tool_calls: ToolCall[] = []
  let json: string | null = null
  for (const raw of content) {
    const block = responseBlock.safeParse(raw)
    if (!block.success) continue
    if (block.data.type === 'text') texts.push(block.data.text)
    else {
      const { id, name, input } = block.data
      const args = JSON.stringify(input ?? {})
      if (name === JSON_OUTPUT_TOOL) json = args
      else tool_calls.push({ id, type: 'function', function: { name, arguments: args } })
    }
  }
  return { texts, tool_calls, json }
}

/** A Messages API response → an OpenAI `chat.completion`. */
export function toChatCompletion(body: unknown, context: AnswerContext) {
  const parsed = messagesResponse.safeParse(body)
  if (!parsed.success) {
    const model = context.model ?? 'anthropic'
    throw new AppError('BACKEND_ERROR', `the backend of model ${model} sent an answer not in its API's shape`)
  }
  const message = parsed.data
  const { texts, tool_calls, json } = readBlocks(message.content)
  // A JSON response_format's answer is the forced tool's input, alone (json-output.ts).
  const content = json ?? (texts.length > 0 ? texts.join('') : null)
  const finish = json !== null && tool_calls.length === 0 ? 'stop' : finishReason(message.stop_reason)
  return {
    id: `chatcmpl-${message.id}`,
    object: 'chat.completion' as const,
    created: context.created,
    model: context.model ?? message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          content,
          refusal: null,
          ...(tool_calls.length > 0 ? { tool_calls } : {}),
        },
        logprobs: null,
        finish_reason: finish,
      },
    ],
    usage: chatUsage(message.usage),
  }
}
