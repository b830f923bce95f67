import { BUDGET_PERIODS } from '../../domain/budgets/period.ts'
import {
  type AdmitRequest,
  type BudgetCheck,
  type CounterRef,
  counterRef,
  type LimitCheck,
  type LimitScope,
  type LimitUnit,
} from '../../infra/ports/spend-ledger.ts'
import type { ApiKeyRecord, KeyBudget } from '../../projections/api-keys/key-lookup.ts'
import type { Model } from './models.ts'

// One admission per request (docs/routing.md, "Budgets and limits"): the key record and the
// model say what to check, this builds the one AdmitRequest the spend ledger decides on. Pure, so
// the stale path rebuilds it from the re-read record without asking anything twice.

const NANOS_PER_MICRO = 1_000
/** A request's hold lives this long unless renewed (every lease/3 while the request runs). */
export const DEFAULT_LEASE_MS = 60_000

// The ledger's unit (nano-USD, rounded up), shared with analytics so both count the same amounts.
import { toNanos } from '../../domain/budgets/amounts.ts'

export { NANOS_PER_USD, toNanos } from '../../domain/budgets/amounts.ts'

export interface AdmissionInput {
  key: ApiKeyRecord
  model: Pick<Model, 'name' | 'rpm_limit' | 'tpm_limit'>
  hold_id: string
  worst_usd: number
  worst_tokens: number
  now: Date
  /** The platform's requests per minute for a key without its own (AIAAS_DEFAULT_KEY_RPM). */
  key_rpm: number
  lease_ms: number
  known_position: string | null
}

/** The counter of one owner (a key, or the organization when null) for the period `now` is in. */
/** The six counters a request's cost adds to: the organization's and the key's, each period. */
export function spendCounters(key: ApiKeyRecord, now: Date): CounterRef[] {
  const owners = [null, key.api_key_id]
  return owners.flatMap((owner) =>
    BUDGET_PERIODS.map((period) => counterRef(owner, period, key.organization_timezone, now)),
  )
}

function budgetCheck(key: ApiKeyRecord, budget: KeyBudget, now: Date): BudgetCheck {
  return {
    budget_id: budget.budget_id,
    counter: counterRef(budget.api_key_id, budget.period, key.organization_timezone, now),
    limit_nanos: budget.limit_micros * NANOS_PER_MICRO,
    hard: budget.enforcement === 'hard',
  }
}

/** Every limit that applies; a null (or absent) limit is no check, except the key's RPM default. */
export function limitChecks(input: Pick<AdmissionInput, 'key' | 'model' | 'key_rpm'>): LimitCheck[] {
  const { key, model } = input
  const candidates: [LimitScope, string, LimitUnit, number | null | undefined][] = [
    ['key', key.api_key_id, 'requests', key.rpm_limit ?? input.key_rpm],
    ['key', key.api_key_id, 'tokens', key.tpm_limit],
    ['organization', key.organization_id, 'requests', key.organization_rpm_limit],
    ['organization', key.organization_id, 'tokens', key.organization_tpm_limit],
    ['model', model.name, 'requests', model.rpm_limit],
    ['model', model.name, 'tokens', model.tpm_limit],
  ]
  return candidates.flatMap(([scope, id, unit, per_minute]) =>
    per_minute === null || per_minute === undefined ? [] : [{ scope, id, unit, per_minute }],
  )
}

export function admitRequest(input: AdmissionInput): AdmitRequest {
  const { key, now } = input
  return {
    organization_id: key.organization_id,
    api_key_id: key.api_key_id,
    hold_id: input.hold_id,
    amount_nanos: toNanos(input.worst_usd),
    tokens: Math.ceil(input.worst_tokens),
    spend: spendCounters(key, now),
    budgets: key.budgets.map((budget) => budgetCheck(key, budget, now)),
    limits: limitChecks(input),
    lease_ms: input.lease_ms,
    known_position: input.known_position,
  }
}
