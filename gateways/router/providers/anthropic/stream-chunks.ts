import type { FinishReason } from './outcome.ts'

// The OpenAI chunks one translated stream emits, and what the translation knows so far.

export type Delta = {
  role?: 'assistant'
  content?: string
  tool_calls?: {
    index: number
    id?: string
    type?: 'function'
    function: { name?: string; arguments: string }
  }[]
}

/** Anthropic's block index → what the block is on the OpenAI side. */
export type Block =
  | { kind: 'text' }
  | { kind: 'tool'; index: number }
  | { kind: 'json' }
  | { kind: 'skipped' }

export interface StreamState {
  id: string
  model: string
  created: number
  roleSent: boolean
  ended: boolean
  /** Tool calls started so far (the next one's OpenAI index). */
  tools: number
  stop: FinishReason
  usage: Record<string, unknown>
  blocks: Map<number, Block>
}

export type ChunkOut = { kind: 'chunk'; chunk: Record<string, unknown> }

export function chunk(state: StreamState, body: Record<string, unknown>): ChunkOut {
  const head = { id: state.id, object: 'chat.completion.chunk', created: state.created, model: state.model }
  return { kind: 'chunk', chunk: { ...head, ...body } }
}

export const choiceChunk = (state: StreamState, delta: Delta, finish: FinishReason | null = null) =>
  chunk(state, { choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })

/** A delta, preceded by the role chunk the first time anything is sent. */
export function emit(state: StreamState, delta: Delta): ChunkOut[] {
  if (state.roleSent) return [choiceChunk(state, delta)]
  state.roleSent = true
  return [choiceChunk(state, { role: 'assistant', content: '' }), choiceChunk(state, delta)]
}
