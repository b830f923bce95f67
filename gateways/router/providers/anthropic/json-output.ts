import { z } from 'zod'
import { refuse } from './refuse.ts'
import type { AnthropicTool, AnthropicToolChoice } from './wire.ts'

// response_format json_object / json_schema on the Messages API: one tool whose input schema is
// the wanted schema, forced with tool_choice, as Anthropic's tool-use guide describes for JSON
// output. Its input is the answer: response.ts and stream.ts turn that tool's input back into
// message content, and its stop into `stop`. The tool has a reserved name, so the answer can be
// recognised without the request; a caller's tool may not take that name.

export const JSON_OUTPUT_TOOL = 'aiaas_json_output'

const jsonSchemaFormat = z.object({
  type: z.literal('json_schema'),
  json_schema: z
    .object({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
    })
    .loose(),
})

function describe(name: string | null, description: string | undefined): string {
  const what = name ? `the ${name} JSON object` : 'a JSON object'
  return `Answer with ${what}: its input is the whole answer.${description ? ` ${description}` : ''}`
}

function toolOf(format: unknown): AnthropicTool | undefined {
  if (format === undefined || format === null) return undefined
  if (typeof format === 'object' && 'type' in format) {
    if (format.type === 'text') return undefined
    if (format.type === 'json_object') {
      return {
        name: JSON_OUTPUT_TOOL,
        description: describe(null, undefined),
        input_schema: { type: 'object' },
      }
    }
  }
  const parsed = jsonSchemaFormat.safeParse(format)
  if (!parsed.success) return refuse('response_format', 'must be text, json_object or json_schema')
  const { name, description, schema } = parsed.data.json_schema
  const input_schema = schema ?? { type: 'object' }
  // The Messages API takes only object schemas as tool input.
  if (input_schema.type !== 'object') {
    return refuse(
      'response_format',
      'the JSON schema must describe an object for this model (its provider is anthropic)',
    )
  }
  return { name: JSON_OUTPUT_TOOL, description: describe(name, description), input_schema }
}

/** The forced tool for a JSON response_format, or undefined for text. */
export function jsonOutput(
  format: unknown,
  tools: unknown,
): { tool: AnthropicTool; choice: AnthropicToolChoice } | undefined {
  const tool = toolOf(format)
  if (!tool) return undefined
  if (Array.isArray(tools) && tools.length > 0) {
    refuse(
      'response_format',
      'a JSON response_format cannot be combined with tools for this model (its provider is anthropic)',
    )
  }
  return { tool, choice: { type: 'tool', name: JSON_OUTPUT_TOOL } }
}
