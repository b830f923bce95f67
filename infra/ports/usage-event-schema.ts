import { z } from 'zod'
import type { UsageEvent } from './usage.ts'

// The wire shape of a usage event, beside its port: the RabbitMQ consumer parses bodies with it and
// the LMDB spool re-checks what it wrote. Typed against the port so the two cannot drift apart.
// Unknown fields are stripped rather than refused (tolerant reader): a newer router may add a field
// before ingest knows it, and that must not send every event to the dead-letter queue.
export const usageEventSchema: z.ZodType<UsageEvent> = z.object({
  id: z.uuid(),
  organization_id: z.string().min(1),
  api_key_id: z.string().min(1),
  model: z.string().min(1),
  backend: z.string().min(1),
  status: z.enum(['ok', 'error']),
  http_status: z.number().int().min(100).max(599),
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  latency_ms: z.number().nonnegative(),
  ttfb_ms: z.number().nonnegative().optional(),
  streamed: z.boolean(),
  cancelled: z.boolean().optional(),
  tokens_source: z.enum(['reported', 'estimated']).optional(),
  occurred_at: z.iso.datetime({ offset: true }),
})

export type ParsedUsageMessage = { ok: true; event: UsageEvent } | { ok: false; reason: string }

/** Parses a message body; never throws, because a bad message must not stop the consumer. */
export function parseUsageMessage(body: Buffer): ParsedUsageMessage {
  let json: unknown
  try {
    json = JSON.parse(body.toString('utf8'))
  } catch {
    return { ok: false, reason: 'body is not JSON' }
  }
  const parsed = usageEventSchema.safeParse(json)
  if (parsed.success) return { ok: true, event: parsed.data }
  return { ok: false, reason: z.prettifyError(parsed.error) }
}
