import { z } from 'zod'
import { JSON_OUTPUT_TOOL } from './json-output.ts'
import { refuse } from './refuse.ts'
import type { AnthropicTool, AnthropicToolChoice } from './wire.ts'

// OpenAI function tools → Anthropic tools, and tool_choice / parallel_tool_calls → tool_choice.

const functionTool = z.object({
  type: z.literal('function'),
  function: z
    .object({
      name: z.string().min(1),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
    })
    .loose(),
})

const namedChoice = z.object({
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1) }).loose(),
})

export function toTools(tools: unknown): AnthropicTool[] | undefined {
  if (tools === undefined || tools === null) return undefined
  if (!Array.isArray(tools)) return refuse('tools', 'must be an array of function tools')
  return tools.map((raw, i) => {
    const tool = functionTool.safeParse(raw)
    if (!tool.success) return refuse(`tools[${i}]`, 'only function tools are supported by this provider')
    const { name, description, parameters } = tool.data.function
    if (name === JSON_OUTPUT_TOOL)
      refuse(`tools[${i}].function.name`, `${JSON_OUTPUT_TOOL} is reserved by the router`)
    // A function without parameters takes none; Anthropic requires an object schema.
    const input_schema = parameters ?? { type: 'object', properties: {} }
    return description === undefined ? { name, input_schema } : { name, description, input_schema }
  })
}

function baseChoice(choice: unknown): AnthropicToolChoice | undefined {
  if (choice === undefined || choice === null || choice === 'auto') return undefined
  if (choice === 'none') return { type: 'none' }
  if (choice === 'required') return { type: 'any' }
  const named = namedChoice.safeParse(choice)
  if (named.success) return { type: 'tool', name: named.data.function.name }
  return refuse('tool_choice', 'must be auto, none, required or a named function')
}

/** Anthropic's tool_choice, or undefined for its default (auto). */
export function toToolChoice(choice: unknown, parallel: unknown): AnthropicToolChoice | undefined {
  const base = baseChoice(choice)
  if (parallel !== false) return base
  if (base?.type === 'none') return base
  return { ...(base ?? { type: 'auto' }), disable_parallel_tool_use: true }
}
