import type { AnthropicUsage } from './wire.ts'

// Stop reasons and usage, shared by the whole-response and the streaming translations.

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter'

/** Anthropic's stop_reason → OpenAI's finish_reason; an unknown or missing reason is a stop. */
export function finishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'refusal':
      return 'content_filter'
    default:
      // end_turn, stop_sequence, pause_turn.
      return 'stop'
  }
}

export interface ChatUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details: { cached_tokens: number }
}

/**
 * Anthropic counts cache writes and cache reads apart from input_tokens; OpenAI's prompt_tokens
 * counts every prompt token, cached ones included (shown again in cached_tokens). So all three
 * are added: the prompt the model read, as Anthropic counts it.
 */
export function chatUsage(usage: AnthropicUsage): ChatUsage {
  const cached = usage.cache_read_input_tokens ?? 0
  const prompt = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + cached
  const completion = usage.output_tokens ?? 0
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  }
}
