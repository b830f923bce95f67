import { periodEnd } from '../../domain/budgets/period.ts'
import { AppError } from '../../domain/errors.ts'
import type { AdmitResult, LimitState } from '../../infra/ports/spend-ledger.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/key-lookup.ts'
import { NANOS_PER_USD } from './admission.ts'
import { limitHeaders } from './limit-headers.ts'

// What a refused admission tells the caller: which budget or which limit, and when to come back
// (docs/errors.md BUDGET_EXCEEDED, RATE_LIMITED). The headers go on the 429 as on an admitted reply.

export interface Refusal {
  error: AppError
  headers: Record<string, string>
}

type BudgetExceeded = Extract<AdmitResult, { kind: 'budget_exceeded' }>
type RateLimited = Extract<AdmitResult, { kind: 'rate_limited' }>

const usd = (nanos: number) => `$${(nanos / NANOS_PER_USD).toFixed(6)}`

const SCOPE_NAMES = { key: 'this API key', organization: 'the organization', model: 'the model' } as const

/** `key (sk-id): 60 requests per minute` style naming of one limit. */
export const limitName = (limit: LimitState): string =>
  `${limit.per_minute} ${limit.unit} per minute for ${SCOPE_NAMES[limit.scope]} (${limit.id})`

export function rateLimited(result: RateLimited): Refusal {
  const headers = limitHeaders(result.limits)
  headers['retry-after'] = String(Math.max(1, Math.ceil(result.retry_after_ms / 1000)))
  return {
    error: new AppError('RATE_LIMITED', `Rate limit reached: ${limitName(result.limit)}.`, {
      limit: { scope: result.limit.scope, unit: result.limit.unit, per_minute: result.limit.per_minute },
    }),
    headers,
  }
}

export function budgetExceeded(result: BudgetExceeded, key: ApiKeyRecord, now: Date): Refusal {
  const budget = key.budgets.find((b) => b.budget_id === result.budget_id)
  // A budget the record no longer lists (changed since) is named by id only.
  const whose =
    budget === undefined ? 'its owner' : budget.api_key_id === null ? 'the organization' : 'this API key'
  const period = budget?.period ?? 'total'
  const end = periodEnd(period, key.organization_timezone, now)
  const resets = end === null ? 'it never resets' : `it resets at ${end.toISOString()}`
  const used = result.spent_nanos + result.reserved_nanos
  return {
    error: new AppError(
      'BUDGET_EXCEEDED',
      `This request does not fit in the ${period} budget ${result.budget_id} of ${whose}: ` +
        `${usd(used)} of ${usd(result.limit_nanos)} is spent or held; ${resets}. ` +
        'Lower max_tokens or raise the budget.',
      { budget_id: result.budget_id, period, resets_at: end?.toISOString() ?? null },
    ),
    headers: limitHeaders(result.limits),
  }
}
