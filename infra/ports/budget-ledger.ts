import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'

// Spend reservations against a budget, exact across router replicas (Redis in production,
// in-process embedded). Amounts are integers in nano-USD (1 USD = 1e9) so sub-micro-dollar
// per-token prices add up exactly (docs/adr/0006-budget-ledger.md).
export type ReserveResult =
  | { ok: true; spent_nanos: number; reserved_nanos: number }
  | { ok: false; spent_nanos: number; reserved_nanos: number; limit_nanos: number }

export interface BudgetLedger {
  /** Atomically: drop this key's expired reservations; if spent + reserved + amount <= limit, hold `amount` under `reservationId` until `holdMs` from now. The key itself expires `keyTtlMs` after its last write (a budget period's key outlives its period). */
  reserve(
    key: string,
    reservationId: string,
    amountNanos: number,
    limitNanos: number,
    options: { holdMs: number; keyTtlMs: number },
  ): Promise<ReserveResult>
  /** Turns the reservation into spend of `actualNanos` (which may be more or less than held). Idempotent per reservation id: a second settle of the same id changes nothing. Counts the spend even if the hold already expired (the money was spent). */
  settle(key: string, reservationId: string, actualNanos: number): Promise<void>
  /** Drops the reservation without spending. Idempotent; a release after a settle changes nothing. */
  release(key: string, reservationId: string): Promise<void>
  usage(key: string): Promise<{ spent_nanos: number; reserved_nanos: number }>
  ping(): Promise<void>
  close(): Promise<void>
}

// Argument checks both adapters run, so they reject the same calls the same way.
const nanos = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const millis = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
const id = z.string().min(1)

function invalid(message: string, details: Record<string, unknown>): AppError {
  return new AppError('BUDGET_ARGUMENT_INVALID', message, details)
}

export function assertIds(key: string, reservationId: string): void {
  if (!id.safeParse(key).success || !id.safeParse(reservationId).success) {
    throw invalid('key and reservationId must be non-empty strings', { key, reservationId })
  }
}

export function assertNanos(values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!nanos.safeParse(value).success)
      throw invalid(`${name} must be a non-negative safe integer`, { [name]: value })
  }
}

export function assertReserveArguments(
  key: string,
  reservationId: string,
  amountNanos: number,
  limitNanos: number,
  holdMs: number,
  keyTtlMs: number,
): void {
  assertIds(key, reservationId)
  assertNanos({ amountNanos, limitNanos })
  if (!millis.safeParse(holdMs).success || !millis.safeParse(keyTtlMs).success || keyTtlMs < holdMs) {
    throw invalid('holdMs and keyTtlMs must be positive integers, keyTtlMs >= holdMs', { holdMs, keyTtlMs })
  }
}
