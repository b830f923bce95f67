import { AppError } from '../../domain/errors.ts'
import { assertIds, assertNanos, assertReserveArguments, type BudgetLedger } from '../ports/budget-ledger.ts'

// In-process twin of infra/redis/budget-ledger.ts with the same semantics (docs/adr/0006): holds
// that expire, settle idempotent through a settled-id set, a settle after the budget's keys expired
// dropped, a retried reserve of one id replacing its hold. Only exact within one process (embedded
// mode, unit tests): replicas would each enforce the full budget.

export interface MemoryBudgetLedgerOptions {
  /** Monotonic milliseconds; injectable so tests can move time without sleeping. */
  now?: () => number
}

interface Budget {
  spent: number
  /** reservation id → held nanos and when the hold stops counting. */
  holds: Map<string, { amount: number; expiresAt: number }>
  settled: Set<string>
  keyTtlMs: number
  expiresAt: number
}

// Expired budgets are dropped when touched; a sweep every so many calls frees budgets never touched again.
const SWEEP_EVERY_CALLS = 1000

export function createMemoryBudgetLedger(options: MemoryBudgetLedgerOptions = {}): BudgetLedger {
  const now = options.now ?? (() => performance.now())
  const budgets = new Map<string, Budget>()
  let calls = 0
  let closed = false

  const live = (key: string, at: number): Budget | undefined => {
    if (closed) throw new AppError('BUDGET_LEDGER_UNAVAILABLE', 'budget ledger unavailable: closed')
    if (++calls >= SWEEP_EVERY_CALLS) {
      calls = 0
      for (const [k, budget] of budgets) if (budget.expiresAt <= at) budgets.delete(k)
    }
    const budget = budgets.get(key)
    if (budget === undefined || budget.expiresAt > at) return budget
    budgets.delete(key)
    return undefined
  }
  const touch = (budget: Budget, at: number) => {
    budget.expiresAt = at + budget.keyTtlMs
  }

  return {
    async reserve(key, reservationId, amountNanos, limitNanos, { holdMs, keyTtlMs }) {
      assertReserveArguments(key, reservationId, amountNanos, limitNanos, holdMs, keyTtlMs)
      const at = now()
      const budget = live(key, at) ?? {
        spent: 0,
        holds: new Map(),
        settled: new Set(),
        keyTtlMs,
        expiresAt: at,
      }
      budgets.set(key, budget)
      for (const [id, hold] of budget.holds) if (hold.expiresAt <= at) budget.holds.delete(id)
      const reserved = heldTotal(budget, at)
      const others = reserved - (budget.holds.get(reservationId)?.amount ?? 0)
      budget.keyTtlMs = keyTtlMs
      touch(budget, at)
      if (budget.spent + others + amountNanos > limitNanos) {
        return { ok: false, spent_nanos: budget.spent, reserved_nanos: reserved, limit_nanos: limitNanos }
      }
      budget.holds.set(reservationId, { amount: amountNanos, expiresAt: at + holdMs })
      return { ok: true, spent_nanos: budget.spent, reserved_nanos: others + amountNanos }
    },
    async settle(key, reservationId, actualNanos) {
      assertIds(key, reservationId)
      assertNanos({ actualNanos })
      const at = now()
      const budget = live(key, at)
      if (budget === undefined || budget.settled.has(reservationId)) return
      budget.settled.add(reservationId)
      budget.holds.delete(reservationId)
      budget.spent += actualNanos
      touch(budget, at)
    },
    async release(key, reservationId) {
      assertIds(key, reservationId)
      const at = now()
      const budget = live(key, at)
      if (budget?.holds.delete(reservationId)) touch(budget, at)
    },
    async usage(key) {
      assertIds(key, 'usage')
      const at = now()
      const budget = live(key, at)
      return { spent_nanos: budget?.spent ?? 0, reserved_nanos: budget ? heldTotal(budget, at) : 0 }
    },
    async ping() {
      if (closed) throw new AppError('BUDGET_LEDGER_UNAVAILABLE', 'budget ledger unavailable: closed')
    },
    async close() {
      closed = true
      budgets.clear()
    },
  }
}

function heldTotal(budget: Budget, at: number): number {
  let total = 0
  for (const hold of budget.holds.values()) if (hold.expiresAt > at) total += hold.amount
  return total
}
