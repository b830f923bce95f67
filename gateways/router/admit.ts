import type { FastifyBaseLogger } from 'fastify'
import { AppError } from '../../domain/errors.ts'
import type { AdmitResult, CounterRef, LimitState, SpendLedger } from '../../infra/ports/spend-ledger.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/key-lookup.ts'
import { type AdmissionInput, admitRequest } from './admission.ts'
import { budgetExceeded, rateLimited } from './admission-refusal.ts'
import { limitHeaders } from './limit-headers.ts'

// One admission per request on the spend ledger (docs/routing.md, "Budgets and limits"): the
// ledger's answer is handled here — refused (429 with headers), seeded then asked again, asked
// again after the caches caught up with a change, or the ledger down (503, or admitted unmetered
// when the organization chose fail-open). What is admitted is a hold renewed while the request
// runs and settled exactly once.

/** Sets counters from recorded usage (gateways/router/spend-seeder.ts, SpendSeeder). */
export interface Seeder {
  seed(organization_id: string, timezone: string, counters: readonly CounterRef[]): Promise<void>
}

export interface AdmitDeps {
  ledger: SpendLedger
  seeder: Seeder
  /** The replica's change-feed position, null without a feed. */
  knownPosition: () => string | null
  /** Wakes the change feed and answers the key's record as the caches hold it after. */
  refreshKey: (key: ApiKeyRecord) => Promise<ApiKeyRecord>
  /**
   * Whether a change position the ledger names is past the end of this platform's event log: the
   * ledger outlived its event store (restored from a backup, rebuilt) or another platform marked
   * it, and no refresh can reach it. When it is, knownPosition() claims it from then on. Absent:
   * never (such a router answers 503 until the ledger's mark is removed).
   */
  beyondLog?: (position: string) => Promise<boolean>
  keyRpm: number
  leaseMs: number
  now: () => Date
  newId: () => string
  log: FastifyBaseLogger
  onFailOpen: () => void
  onSettleOverHold: () => void
}

export interface Hold {
  /** Where the limits stand, for the `x-ratelimit-*` headers of the reply. */
  headers: Record<string, string>
  /** Settles the actual cost (a release when it cost nothing); only the first call counts. */
  settle(cost_nanos: number, tokens: number): Promise<void>
}

export interface Refused {
  error: AppError
  headers: Record<string, string>
}

type Wanted = Omit<AdmissionInput, 'key' | 'hold_id' | 'now' | 'key_rpm' | 'lease_ms' | 'known_position'>

const unavailable = (code: string, message: string): Refused => ({
  error: new AppError(code, message),
  headers: { 'retry-after': '1' },
})

/** Asks the ledger, seeding once and refreshing once when it says so. */
async function decide(deps: AdmitDeps, first: ApiKeyRecord, wanted: Wanted, hold_id: string) {
  let key = first
  const ask = () =>
    deps.ledger.admit(
      admitRequest({
        ...wanted,
        key,
        hold_id,
        now: deps.now(),
        key_rpm: deps.keyRpm,
        lease_ms: deps.leaseMs,
        known_position: deps.knownPosition(),
      }),
    )
  let result: AdmitResult = await ask()
  if (result.kind === 'stale') {
    key = await deps.refreshKey(key)
    result = await ask()
  }
  if (result.kind === 'stale' && (await deps.beyondLog?.(result.changed_position))) {
    deps.log.warn(
      { changed_position: result.changed_position },
      'the spend ledger names a change past the end of the event log (restored or shared Redis?): ignored',
    )
    result = await ask()
  }
  if (result.kind === 'unseeded') {
    await deps.seeder.seed(key.organization_id, key.organization_timezone, result.counters)
    result = await ask()
  }
  return { key, result }
}

/** Admits the request or answers why not; throws only what the caller cannot answer better. */
export async function admit(deps: AdmitDeps, key: ApiKeyRecord, wanted: Wanted): Promise<Hold | Refused> {
  const hold_id = deps.newId()
  let decided: Awaited<ReturnType<typeof decide>>
  try {
    decided = await decide(deps, key, wanted, hold_id)
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    if (error.code === 'BUDGET_SEED_UNAVAILABLE') return { error, headers: { 'retry-after': '1' } }
    if (error.code !== 'BUDGET_LEDGER_UNAVAILABLE') throw error
    if (!key.organization_limits_fail_open) return { error, headers: { 'retry-after': '1' } }
    deps.onFailOpen()
    deps.log.warn(
      { err: error, organization_id: key.organization_id },
      'spend ledger down: admitted unmetered (fail-open)',
    )
    return { headers: {}, settle: async () => {} }
  }
  const { result } = decided
  switch (result.kind) {
    case 'admitted':
      return held(deps, decided.key.organization_id, hold_id, result.limits)
    case 'rate_limited':
      return rateLimited(result)
    case 'budget_exceeded':
      return budgetExceeded(result, decided.key, deps.now())
    case 'stale':
      return unavailable('BUDGET_LEDGER_UNAVAILABLE', 'Budgets and limits are being updated; retry shortly')
    case 'unseeded':
      return unavailable(
        'BUDGET_SEED_UNAVAILABLE',
        'The spend of this organization cannot be counted yet; retry shortly',
      )
  }
}

export const isRefused = (answer: Hold | Refused): answer is Refused => 'error' in answer

/** The admitted hold: its lease renewed every lease/3 until it is settled. */
function held(deps: AdmitDeps, organization_id: string, hold_id: string, limits: LimitState[]): Hold {
  const renew = () => {
    deps.ledger.renew(organization_id, hold_id, deps.leaseMs).catch((error: unknown) => {
      // A missed renewal is retried at the next tick; the lease covers three of them.
      deps.log.warn({ err: error, hold_id }, 'hold lease not renewed')
    })
  }
  const timer = setInterval(renew, Math.max(1, Math.floor(deps.leaseMs / 3)))
  timer.unref()
  let settled = false
  return {
    headers: limitHeaders(limits),
    settle: async (cost_nanos, tokens) => {
      if (settled) return
      settled = true
      clearInterval(timer)
      if (cost_nanos <= 0 && tokens <= 0) return deps.ledger.release(organization_id, hold_id)
      const answer = await deps.ledger.settle({ organization_id, hold_id, cost_nanos, tokens })
      if (answer.kind === 'settled' && cost_nanos > answer.held_nanos) {
        deps.onSettleOverHold()
        deps.log.warn(
          { hold_id, cost_nanos, held_nanos: answer.held_nanos },
          'cost above the worst case held',
        )
      }
    },
  }
}

/**
 * A request refused before its body was valid still counts against the request limits (the key's,
 * the organization's): a caller cannot flood the router with malformed bodies for free. Only the
 * request limits are weighed; the hold, which holds nothing, is given back at once. The ledger
 * down changes nothing here: the validation error is answered as it is.
 */
export async function countInvalidRequest(deps: AdmitDeps, key: ApiKeyRecord): Promise<Refused | null> {
  const hold_id = deps.newId()
  const request = admitRequest({
    key,
    model: { name: '*' },
    hold_id,
    worst_usd: 0,
    worst_tokens: 0,
    now: deps.now(),
    key_rpm: deps.keyRpm,
    lease_ms: deps.leaseMs,
    known_position: null,
  })
  const limits = request.limits.filter((limit) => limit.unit === 'requests' && limit.scope !== 'model')
  try {
    const result = await deps.ledger.admit({ ...request, spend: [], budgets: [], limits })
    if (result.kind === 'admitted') await deps.ledger.release(key.organization_id, hold_id)
    return result.kind === 'rate_limited' ? rateLimited(result) : null
  } catch (error) {
    deps.log.warn({ err: error }, 'invalid request not counted against its limits: spend ledger down')
    return null
  }
}
