import { toNanos } from '../../domain/budgets/amounts.ts'
import type { StoredUsage } from '../../domain/usage/rollup.ts'
import type { UsageEvent } from '../../infra/ports/usage.ts'

// From a usage event as the router sent it to the row ingest stores, or the reason it cannot be
// stored (then it is dead-lettered, not retried: storing it would fail the same way every time).

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const INT4_MAX = 2_147_483_647
const DAY_MS = 86_400_000

export type StoredRow = StoredUsage & { event_id: string }
export type Stored = { ok: true; row: StoredRow } | { ok: false; reason: string }

export interface StoreWindow {
  /** Raw events before this instant were dropped by retention (null: nothing dropped). */
  horizon: Date | null
  now: Date
}

function refusal(event: UsageEvent, window: StoreWindow, occurred: Date): string | null {
  if (!UUID.test(event.organization_id)) return 'organization_id is not a UUID'
  if (!UUID.test(event.api_key_id)) return 'api_key_id is not a UUID'
  if (event.input_tokens > INT4_MAX || event.output_tokens > INT4_MAX) return 'token count out of range'
  if (!Number.isSafeInteger(toNanos(event.cost_usd))) return 'cost_usd out of range'
  if (window.horizon !== null && occurred < window.horizon)
    return `occurred_at is before the raw retention horizon ${window.horizon.toISOString()}`
  if (occurred.getTime() > window.now.getTime() + DAY_MS)
    return 'occurred_at is more than a day ahead of ingest'
  return null
}

export function storedUsageOf(event: UsageEvent, window: StoreWindow): Stored {
  const occurred_at = new Date(event.occurred_at)
  const reason = refusal(event, window, occurred_at)
  if (reason !== null) return { ok: false, reason }
  const row = {
    event_id: event.id,
    occurred_at,
    organization_id: event.organization_id.toLowerCase(),
    api_key_id: event.api_key_id.toLowerCase(),
    model: event.model,
    backend: event.backend,
    status: event.status,
    http_status: event.http_status,
    input_tokens: event.input_tokens,
    output_tokens: event.output_tokens,
    cost_nanos: toNanos(event.cost_usd),
    latency_ms: event.latency_ms,
    ttfb_ms: event.ttfb_ms ?? null,
    streamed: event.streamed,
    cancelled: event.cancelled ?? false,
    tokens_source: event.tokens_source ?? 'reported',
  }
  return { ok: true, row }
}
