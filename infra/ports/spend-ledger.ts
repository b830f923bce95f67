import { type BudgetPeriod, periodOf } from '../../domain/budgets/period.ts'

// The spend ledger: budgets and rate limits of one request checked, and its worst case held, in
// one atomic step shared by every router replica (Redis in production, in-process embedded); the
// actual cost settled in one more (docs/adr/0020-spend-ledger.md). Amounts are integers in
// nano-USD (1 USD = 1e9), as in ADR 0006.
//
// Counters. Every organization and every key has a spend counter per period: daily and monthly
// (in the organization's time zone, labelled `2026-11-26` and `2026-11` by domain/budgets/period.ts)
// and `total`. Every settle adds its cost to the six counters the hold names (organization and key
// × three periods), budget or not, so a budget created later finds the spend already counted. A
// counter holds `spent` (settled), `reserved` (the sum of live holds on it, kept as one number:
// no per-hold scans) and `seeded` (whether it was set from recorded usage since it was created).
// A counter that is not seeded may have lost spend (new period on a fresh ledger, Redis restarted
// empty or flushed): a hard budget on it refuses to admit until the router seeds it (`unseeded`).
//
// Holds. A hold is one record (its amount, its counters, its token reservations) with a lease the
// router renews while the request runs, however long; a lease that lapses (the router died) stops
// counting, but the record stays for a day so a late settle still counts once. Settle and release
// delete the record: that, not a set of settled ids, makes them idempotent, so memory is bounded
// by the holds in flight.
//
// Limits. RPM and TPM per key, per organization and per model, by GCRA over one minute (a burst of
// up to the whole limit, then the rate): requests weigh 1, tokens weigh the request's worst case
// at admission and are corrected to the actual count at settle.
//
// Changes. The identity side marks the log position of every change it made (after the read
// models hold it); an admission whose router knows an older position is answered `stale`, and the
// router refreshes its caches before it retries, so a budget or limit change applies at once.

/** One spend counter: the organization's (`api_key_id` null) or a key's, for one period. */
export interface CounterRef {
  api_key_id: string | null
  period: BudgetPeriod
  /** `periodOf(period, timezone, now).label`: `2026-11-26`, `2026-11` or `total`. */
  label: string
  /** How long the counter lives after its last write (`periodOf(...).ttlMs`). */
  ttl_ms: number
}

/** The counter of an organization (`api_key_id` null) or a key for the period `now` falls in. */
export function counterRef(
  api_key_id: string | null,
  period: BudgetPeriod,
  timeZone: string,
  now: Date,
): CounterRef {
  const of = periodOf(period, timeZone, now)
  return { api_key_id, period, label: of.label, ttl_ms: of.ttlMs }
}

export interface BudgetCheck {
  budget_id: string
  counter: CounterRef
  limit_nanos: number
  /** A hard budget refuses what does not fit; a soft one holds nothing and refuses nothing. */
  hard: boolean
}

export type LimitScope = 'key' | 'organization' | 'model'
export type LimitUnit = 'requests' | 'tokens'

export interface LimitCheck {
  scope: LimitScope
  /** The key id, the organization id or the model name. */
  id: string
  unit: LimitUnit
  per_minute: number
}

/** Where a limit stands after a decision, for the `x-ratelimit-*` headers. */
export interface LimitState extends LimitCheck {
  remaining: number
  /** Until the limit is whole again (OpenAI's `x-ratelimit-reset-*`). */
  reset_ms: number
}

export interface AdmitRequest {
  organization_id: string
  api_key_id: string
  /** Unique per request; a retried admit of the same id replaces its own hold. */
  hold_id: string
  /** The worst case this request can cost: held on every hard budget's counter. */
  amount_nanos: number
  /** The worst case in tokens: weighed against every `tokens` limit. */
  tokens: number
  /** The six counters the cost adds to at settle (organization and key × daily, monthly, total). */
  spend: CounterRef[]
  budgets: BudgetCheck[]
  limits: LimitCheck[]
  lease_ms: number
  /** The router's change-feed position (decimal), or null to skip the check. */
  known_position: string | null
}

export type AdmitResult =
  | { kind: 'admitted'; limits: LimitState[] }
  | {
      kind: 'budget_exceeded'
      budget_id: string
      spent_nanos: number
      reserved_nanos: number
      limit_nanos: number
      limits: LimitState[]
    }
  | { kind: 'rate_limited'; limit: LimitState; retry_after_ms: number; limits: LimitState[] }
  /** Counters of hard budgets not seeded: seed them (SpendSeeder), then admit again. */
  | { kind: 'unseeded'; counters: CounterRef[] }
  /** Identity recorded a change after `known_position`: refresh the caches, then admit again. */
  | { kind: 'stale'; changed_position: string }

export interface SettleRequest {
  organization_id: string
  hold_id: string
  cost_nanos: number
  /** Tokens actually used: the token limits are corrected from the worst case to this. */
  tokens: number
}

export type SettleResult =
  /** `held_nanos` is what admission held; a cost above it means the worst case was wrong. */
  | { kind: 'settled'; held_nanos: number }
  /** Settled or released already, or never held: nothing changed. */
  | { kind: 'unknown' }

export interface CounterState {
  spent_nanos: number
  reserved_nanos: number
  seeded: boolean
}

export interface SpendLedger {
  admit(request: AdmitRequest): Promise<AdmitResult>
  settle(request: SettleRequest): Promise<SettleResult>
  /** Gives the hold back (nothing spent) and the tokens it weighed. Idempotent. */
  release(organization_id: string, hold_id: string): Promise<void>
  /** Extends a live request's lease; a lapsed hold counts again. False when no such hold. */
  renew(organization_id: string, hold_id: string, lease_ms: number): Promise<boolean>
  /**
   * Raises a counter to the recorded spend (spent = max(spent, recorded)) and marks it seeded.
   * Also the reconciliation step: answers the counter before and after.
   */
  seed(
    organization_id: string,
    counter: CounterRef,
    recorded_nanos: number,
  ): Promise<{ before_nanos: number; after_nanos: number }>
  counters(organization_id: string, counters: readonly CounterRef[]): Promise<CounterState[]>
  /** Identity made a change at this log position (decimal); kept as the highest seen. */
  markChanged(position: string): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>
}
