import { AppError } from '../../../../domain/errors.ts'
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

/** A Messages API response → an OpenAI `chat.completion`. */
export function toChatCompletion(json: unknown, context: AnswerContext) {
  const parsed = messagesResponse.safeParse(json)
  if (!parsed.success) {
    throw new AppError(
      'BACKEND_ERROR',
      `the backend of model ${context.model} sent an answer not in its API's shape`,
    )
  }
  const message = parsed.data
  const texts: string[] = []
  const tool_calls: ToolCall[] = []
  for (const raw of message.content) {
    const block = responseBlock.safeParse(raw)
    if (!block.success) continue
    if (block.data.type === 'text') texts.push(block.data.text)
    else {
      const { id, name, input } = block.data
      tool_calls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(input ?? {}) } })
    }
  }
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
          content: texts.length > 0 ? texts.join('') : null,
          refusal: null,
          ...(tool_calls.length > 0 ? { tool_calls } : {}),
        },
        logprobs: null,
        finish_reason: finishReason(message.stop_reason),
      },
    ],
    usage: chatUsage(message.usage),
  }
}
