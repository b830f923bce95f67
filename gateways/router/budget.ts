import { counterKey, periodOf } from '../../domain/budgets/period.ts'
import { AppError } from '../../domain/errors.ts'
import type { BudgetLedger } from '../../infra/ports/budget-ledger.ts'
import type { ApiKeyRecord, KeyBudget } from '../../projections/api-keys/key-lookup.ts'
import { type ChatCompletionRequest, promptText } from './chat-schema.ts'
import type { Model } from './models.ts'

// Budgets are enforced before the backend is called (ARCHITECTURE.md): the worst-case cost is
// reserved atomically in the ledger, the actual cost settled after, the hold released on failure.
// Checking spend first and recording it after lets parallel requests through (LiteLLM 34732).
// A request reserves against every budget that applies to it (its organization's and its key's),
// each on its own counter per period (docs/adr/0006-budget-ledger.md).
export const NANOS_PER_USD = 1_000_000_000
const NANOS_PER_MICRO = 1_000
/** Chat templates add a few tokens per message around its content. */
const TOKENS_PER_MESSAGE = 8
/** A hold outlives any request; if a router dies mid-request its hold frees itself. */
const HOLD_MS = 10 * 60_000

export interface BudgetHold {
  /** Spends `usd` (the request's actual cost) in place of the hold. */
  settle(usd: number): Promise<void>
  release(): Promise<void>
}

export const toNanos = (usd: number): number => Math.ceil(usd * NANOS_PER_USD)

/** The ledger counter of a budget for the period `now` falls in (organization's time zone). */
export function budgetCounter(
  budget: KeyBudget,
  timeZone: string,
  now: Date,
): { key: string; ttlMs: number } {
  const period = periodOf(budget.period, timeZone, now)
  return { key: counterKey(budget.budget_id, period), ttlMs: period.ttlMs }
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

const usd = (nanos: number) => `$${(nanos / NANOS_PER_USD).toFixed(6)}`

function exceeded(budget: KeyBudget, amountNanos: number, usedNanos: number): AppError {
  const whose = budget.api_key_id === null ? 'the organization' : 'this API key'
  const limit = budget.limit_micros * NANOS_PER_MICRO
  return new AppError(
    'BUDGET_EXCEEDED',
    `This request could cost up to ${usd(amountNanos)}, and ${whose} has used ${usd(usedNanos)} of its ` +
      `${usd(limit)} ${budget.period} budget (${budget.budget_id}). Lower max_tokens or raise the budget.`,
  )
}

export interface BudgetDeps {
  budgets: BudgetLedger
  defaultMaxOutputTokens: number
  now: () => Date
  newId: () => string
}

/** Hard budgets first (the organization's, then the key's), so a refusal holds nothing soft. */
const enforcementOrder = (a: KeyBudget, b: KeyBudget) =>
  Number(a.enforcement === 'soft') - Number(b.enforcement === 'soft') ||
  Number(a.api_key_id !== null) - Number(b.api_key_id !== null)

interface Held {
  key: string
}

/**
 * Holds the worst case on one budget's counter. A hard budget refuses what does not fit; a soft
 * one holds nothing (amount 0, no limit) so that its counter exists and settle counts the cost.
 */
async function holdOn(deps: BudgetDeps, key: ApiKeyRecord, budget: KeyBudget, id: string, amount: number) {
  const counter = budgetCounter(budget, key.organization_timezone, deps.now())
  const options = { holdMs: HOLD_MS, keyTtlMs: counter.ttlMs }
  if (budget.enforcement === 'soft') {
    await deps.budgets.reserve(counter.key, id, 0, Number.MAX_SAFE_INTEGER, options)
    return { key: counter.key }
  }
  const limit = budget.limit_micros * NANOS_PER_MICRO
  // A worst case above the whole budget can never fit: refused without asking the ledger, which
  // takes only safe integers (an amount past 2^53 nanos was once a 500 budget_unavailable).
  if (amount > limit) throw exceeded(budget, amount, 0)
  const result = await deps.budgets.reserve(counter.key, id, amount, limit, options)
  if (!result.ok) throw exceeded(budget, amount, result.spent_nanos + result.reserved_nanos)
  return { key: counter.key }
}

/** Reserves `worstUsd` (the request's worst case) against every budget of the key; null when none. */
export async function reserveBudget(
  deps: BudgetDeps,
  key: ApiKeyRecord,
  worstUsd: number,
): Promise<BudgetHold | null> {
  const budgets = [...key.budgets].sort(enforcementOrder)
  if (budgets.length === 0) return null
  const id = deps.newId()
  const amount = toNanos(worstUsd)
  const held: Held[] = []
  const releaseAll = () => Promise.all(held.map((h) => deps.budgets.release(h.key, id))).then(() => {})
  try {
    for (const budget of budgets) held.push(await holdOn(deps, key, budget, id, amount))
  } catch (error) {
    // One budget refused (or the ledger failed): the holds already taken are given back.
    await releaseAll().catch(() => {})
    throw error
  }
  return {
    settle: async (actualUsd) => {
      await Promise.all(held.map((h) => deps.budgets.settle(h.key, id, toNanos(actualUsd))))
    },
    release: releaseAll,
  }
}
