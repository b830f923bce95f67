import type { LimitState, LimitUnit } from '../../infra/ports/spend-ledger.ts'

// OpenAI's rate-limit headers (x-ratelimit-{limit,remaining,reset}-{requests,tokens}), so an
// OpenAI SDK or a client's backoff reads them as it reads OpenAI's. Each unit shows its most
// restrictive limit of the request (the key's, the organization's or the model's).

/** A duration as OpenAI writes it (Go's style): `20ms`, `6s`, `1.5s`, `1m0s`, `1h2m3s`. */
export function openAiDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms))
  if (total < 1000) return `${total}ms`
  const hours = Math.floor(total / 3_600_000)
  const minutes = Math.floor((total % 3_600_000) / 60_000)
  const seconds = `${Number(((total % 60_000) / 1000).toFixed(3))}s`
  if (hours > 0) return `${hours}h${minutes}m${seconds}`
  if (minutes > 0) return `${minutes}m${seconds}`
  return seconds
}

/** The limit of `unit` with the least left; on a tie the one whole again last. */
export function mostRestrictive(limits: readonly LimitState[], unit: LimitUnit): LimitState | null {
  let chosen: LimitState | null = null
  for (const limit of limits) {
    if (limit.unit !== unit) continue
    if (
      chosen === null ||
      limit.remaining < chosen.remaining ||
      (limit.remaining === chosen.remaining && limit.reset_ms > chosen.reset_ms)
    ) {
      chosen = limit
    }
  }
  return chosen
}

export function limitHeaders(limits: readonly LimitState[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const unit of ['requests', 'tokens'] as const) {
    const limit = mostRestrictive(limits, unit)
    if (limit === null) continue
    headers[`x-ratelimit-limit-${unit}`] = String(limit.per_minute)
    headers[`x-ratelimit-remaining-${unit}`] = String(Math.max(0, Math.floor(limit.remaining)))
    headers[`x-ratelimit-reset-${unit}`] = openAiDuration(limit.reset_ms)
  }
  return headers
}
