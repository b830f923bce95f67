import type { ChatCompletionRequest } from '../router/chat-schema.ts'
import { estimateTokens, promptText } from '../router/chat-schema.ts'

// The built-in `echo` model: answers with the last user message, so a walk-through shows real
// round trips, token counts and spend without any model installed.
export function echoReply(request: ChatCompletionRequest): string {
  const lastUser = request.messages.findLast((m) => m.role === 'user')
  const content = lastUser?.content
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content
      .map((part) => ('text' in part && typeof part.text === 'string' ? part.text : ''))
      .filter(Boolean)
      .join(' ')
  }
  return ''
}

export function echoUsage(request: ChatCompletionRequest, reply: string) {
  const prompt_tokens = estimateTokens(promptText(request))
  const completion_tokens = estimateTokens(reply)
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens }
}

/** The reply split into word-sized deltas, as a model streams tokens. */
export function echoDeltas(reply: string): string[] {
  return reply.match(/\S+\s*|\s+/g) ?? []
}
