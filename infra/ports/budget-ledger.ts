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
