import { z } from 'zod'
import { textBlocks, userBlocks } from './content.ts'
import { refuse } from './refuse.ts'
import type { MessageTurn, RequestBlock, TextBlock, ToolUseBlock } from './wire.ts'

// OpenAI's message list → Anthropic's `system` and alternating user/assistant turns.
// - Every system (and developer) message goes to `system`, in order, wherever it stood: the
//   Messages API has no system turn.
// - `tool` messages become `tool_result` blocks of a user turn.
// - Consecutive turns of one role are merged into one, tool results first, as the API requires.

const toolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }).loose(),
})
const assistantFields = z.object({ tool_calls: z.array(toolCall).nullable().optional() }).loose()
const toolFields = z.object({ tool_call_id: z.string().min(1) }).loose()

interface OpenAiMessage {
  role: string
  content?: unknown
}

function parsedArguments(text: string, where: string): Record<string, unknown> {
  // A call with no arguments is sent by some clients as "" rather than "{}".
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return refuse(where, 'tool call arguments must be a JSON object')
  }
  const object = z.record(z.string(), z.unknown()).safeParse(value)
  return object.success ? object.data : refuse(where, 'tool call arguments must be a JSON object')
}

function assistantTurn(message: OpenAiMessage, where: string): RequestBlock[] {
  const fields = assistantFields.safeParse(message)
  if (!fields.success) return refuse(`${where}.tool_calls`, 'each tool call needs an id and a function name')
  const calls = (fields.data.tool_calls ?? []).map(
    (call, j): ToolUseBlock => ({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parsedArguments(call.function.arguments, `${where}.tool_calls[${j}].function.arguments`),
    }),
  )
  return [...textBlocks(message.content, `${where}.content`), ...calls]
}

function toolTurn(message: OpenAiMessage, where: string): RequestBlock[] {
  const fields = toolFields.safeParse(message)
  if (!fields.success) return refuse(`${where}.tool_call_id`, 'a tool message needs the id of its tool call')
  const content = textBlocks(message.content, `${where}.content`)
  const id = fields.data.tool_call_id
  // An empty result is sent without content, which the API allows, rather than as no block.
  return [
    content.length > 0
      ? { type: 'tool_result', tool_use_id: id, content }
      : { type: 'tool_result', tool_use_id: id },
  ]
}

/** Appends blocks to the last turn when it has the same role, else starts a turn. */
function append(turns: MessageTurn[], role: MessageTurn['role'], blocks: RequestBlock[]): void {
  if (blocks.length === 0) return
  const last = turns.at(-1)
  if (last?.role === role) last.content.push(...blocks)
  else turns.push({ role, content: blocks })
}

// The API wants a user turn's tool_result blocks before any other block.
const toolResultsFirst = (turn: MessageTurn): MessageTurn => ({
  role: turn.role,
  content: [
    ...turn.content.filter((b) => b.type === 'tool_result'),
    ...turn.content.filter((b) => b.type !== 'tool_result'),
  ],
})

export function toConversation(messages: readonly OpenAiMessage[]): {
  system: TextBlock[]
  turns: MessageTurn[]
} {
  const system: TextBlock[] = []
  const turns: MessageTurn[] = []
  messages.forEach((message, i) => {
    const where = `messages[${i}]`
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(message.content, `${where}.content`))
        break
      case 'user':
        append(turns, 'user', userBlocks(message.content, `${where}.content`))
        break
      case 'assistant':
        append(turns, 'assistant', assistantTurn(message, where))
        break
      case 'tool':
        append(turns, 'user', toolTurn(message, where))
        break
      default:
        refuse(`${where}.role`, `role ${message.role} is not supported by this provider; use tool`)
    }
  })
  if (turns.length === 0) refuse('messages', 'at least one user message with content is required')
  return { system, turns: turns.map(toolResultsFirst) }
}
