import { z } from 'zod'
import { anthropicUsage } from './wire.ts'

// The Messages API's stream events as the translator reads them. Unknown event types, block
// types and delta types parse as `other` and are skipped: Anthropic may add them at any time.

const blockStart = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }).loose(),
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string() }).loose(),
])

const delta = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text_delta'), text: z.string() }).loose(),
  z.object({ type: z.literal('input_json_delta'), partial_json: z.string() }).loose(),
])

const known = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message_start'),
    message: z.object({ id: z.string(), model: z.string(), usage: anthropicUsage }).loose(),
  }),
  z.object({
    type: z.literal('content_block_start'),
    index: z.number().int(),
    content_block: z.object({ type: z.string() }).loose(),
  }),
  z.object({
    type: z.literal('content_block_delta'),
    index: z.number().int(),
    delta: z.object({ type: z.string() }).loose(),
  }),
  z.object({ type: z.literal('content_block_stop'), index: z.number().int() }),
  z.object({
    type: z.literal('message_delta'),
    delta: z.object({ stop_reason: z.string().nullable().optional() }).loose(),
    usage: anthropicUsage.nullable().optional(),
  }),
  z.object({ type: z.literal('message_stop') }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('error'), error: z.unknown() }),
])

export type StreamEvent = z.infer<typeof known> | { type: 'other' } | { type: 'malformed' }

/** One event's data (JSON text) → a typed event. */
export function parseStreamEvent(data: string): StreamEvent {
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch {
    return { type: 'malformed' }
  }
  const event = known.safeParse(json)
  if (event.success) return event.data
  const typed = z.object({ type: z.string() }).safeParse(json)
  // A known type that does not parse is malformed; an unknown type is a newer API's event.
  const knownTypes = known.options.map((o) => o.shape.type.value)
  return typed.success && !knownTypes.some((t) => t === typed.data.type)
    ? { type: 'other' }
    : { type: 'malformed' }
}

export const parseBlockStart = (block: unknown) => blockStart.safeParse(block)
export const parseDelta = (value: unknown) => delta.safeParse(value)
