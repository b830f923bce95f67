import { z } from 'zod'

// The Messages API as the adapter reads and writes it (Anthropic API reference, version
// 2023-06-01). Only the fields the adapter uses are named; responses are parsed loosely, since
// Anthropic's versioning policy lets it add fields, block types and event types at any time.

export const ANTHROPIC_VERSION = '2023-06-01'

export type TextBlock = { type: 'text'; text: string }
export type ImageBlock = {
  type: 'image'
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string }
}
export type ToolUseBlock = { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
export type ToolResultBlock = { type: 'tool_result'; tool_use_id: string; content?: TextBlock[] }
export type RequestBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock

export interface MessageTurn {
  role: 'user' | 'assistant'
  content: RequestBlock[]
}

export interface AnthropicTool {
  name: string
  description?: string
  input_schema: Record<string, unknown>
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' }

export interface MessagesRequest {
  model: string
  max_tokens: number
  messages: MessageTurn[]
  system?: TextBlock[]
  stop_sequences?: string[]
  temperature?: number
  top_p?: number
  stream?: boolean
  tools?: AnthropicTool[]
  tool_choice?: AnthropicToolChoice
  metadata?: { user_id: string }
}

const count = z.number().int().nonnegative()

export const anthropicUsage = z
  .object({
    input_tokens: count.nullable().optional(),
    output_tokens: count.nullable().optional(),
    cache_creation_input_tokens: count.nullable().optional(),
    cache_read_input_tokens: count.nullable().optional(),
  })
  .loose()
export type AnthropicUsage = z.infer<typeof anthropicUsage>

/** The answer blocks the adapter translates; others (thinking, server tools) are skipped. */
export const responseBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }).loose(),
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }).loose(),
])

export const messagesResponse = z
  .object({
    id: z.string(),
    type: z.literal('message'),
    model: z.string(),
    content: z.array(z.object({ type: z.string() }).loose()),
    stop_reason: z.string().nullable(),
    usage: anthropicUsage,
  })
  .loose()
export type MessagesResponse = z.infer<typeof messagesResponse>

export const anthropicErrorBody = z
  .object({
    type: z.literal('error'),
    error: z.object({ type: z.string(), message: z.string() }).loose(),
  })
  .loose()
