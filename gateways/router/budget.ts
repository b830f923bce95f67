import { AppError } from '../../domain/errors.ts'
import type { BudgetLedger } from '../../infra/ports/budget-ledger.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/api-keys.ts'
import { type ChatCompletionRequest, promptText } from './chat-schema.ts'
import type { Model } from './models.ts'

// Budgets are enforced before the backend is called (ARCHITECTURE.md): the worst-case cost is
// reserved atomically in the ledger, the actual cost settled after, the hold released on failure.
// Checking spend first and recording it after lets parallel requests through (LiteLLM 34732).
export const NANOS_PER_USD = 1_000_000_000
/** Chat templates add a few tokens per message around its content. */
const TOKENS_PER_MESSAGE = 8
/** A hold outlives any request; if a router dies mid-request its hold frees itself. */
const HOLD_MS = 10 * 60_000
const DAY_MS = 86_400_000

export interface BudgetHold {
  /** Spends `usd` (the request's actual cost) in place of the hold. */
  settle(usd: number): Promise<void>
  release(): Promise<void>
}

export const toNanos = (usd: number): number => Math.ceil(usd * NANOS_PER_USD)

/** The calendar month (UTC) a request is counted in, and how long its counter must live. */
export function budgetPeriod(organizationId: string, now: Date): { key: string; ttlMs: number } {
  const month = now.toISOString().slice(0, 7)
  const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)
  return { key: `budget:org:${organizationId}:${month}`, ttlMs: nextMonth - now.getTime() + 35 * DAY_MS }
}

/**
 * The most a request can cost: every prompt byte a token (a token covers at least one byte), the
 * per-message overhead, and the output limit the caller set (or the default) for each choice.
 */
export function worstCaseUsd(model: Model, body: ChatCompletionRequest, defaultMaxOutput: number): number {
  const input = Buffer.byteLength(promptText(body)) + TOKENS_PER_MESSAGE * body.messages.length
  const output = (body.max_completion_tokens ?? body.max_tokens ?? defaultMaxOutput) * (body.n ?? 1)
  return (input * model.input_usd_per_mtok + output * model.output_usd_per_mtok) / 1_000_000
}

function exceeded(amountNanos: number, usedNanos: number, limitUsd: number): AppError {
  return new AppError(
    'BUDGET_EXCEEDED',
    `This request could cost up to $${(amountNanos / NANOS_PER_USD).toFixed(6)}, and the organization has used ` +
      `$${(usedNanos / NANOS_PER_USD).toFixed(6)} of its $${limitUsd} monthly budget. Lower max_tokens or raise the budget.`,
  )
}

export interface BudgetDeps {
  budgets: BudgetLedger
  defaultMaxOutputTokens: number
  now: () => Date
  newId: () => string
}

/** Reserves the worst case against the organization's monthly budget; null when it has none. */
export async function reserveBudget(
  deps: BudgetDeps,
  key: ApiKeyRecord,
  model: Model,
  body: ChatCompletionRequest,
): Promise<BudgetHold | null> {
  const limitUsd = key.organization_monthly_limit_usd
  if (limitUsd === null) return null
  const period = budgetPeriod(key.organization_id, deps.now())
  const id = deps.newId()
  const amount = toNanos(worstCaseUsd(model, body, deps.defaultMaxOutputTokens))
  const limit = toNanos(limitUsd)
  // A worst case above the whole budget can never fit: refused without asking the ledger, which
  // takes only safe integers (an amount past 2^53 nanos was once a 500 budget_unavailable).
  if (amount > limit) throw exceeded(amount, 0, limitUsd)
  const result = await deps.budgets.reserve(period.key, id, amount, limit, {
    holdMs: HOLD_MS,
    keyTtlMs: period.ttlMs,
  })
  if (!result.ok) throw exceeded(amount, result.spent_nanos + result.reserved_nanos, limitUsd)
  return {
    settle: (usd) => deps.budgets.settle(period.key, id, toNanos(usd)),
    release: () => deps.budgets.release(period.key, id),
  }
}
