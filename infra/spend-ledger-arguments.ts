import { AppError } from '../domain/errors.ts'
import type {
  AdmitRequest,
  BudgetCheck,
  CounterRef,
  LimitCheck,
  SettleRequest,
} from './ports/spend-ledger.ts'

// Both spend ledgers check their arguments alike before anything runs: amounts are safe
// integers (a Lua double or a JS number past 2^53 would silently round money). Written by hand,
// not as zod schemas: admit and settle run on every routed request, and these few comparisons
// cost next to nothing where a schema walk showed in the router's profile (issue 12).

type Check = (value: unknown) => boolean

const isId: Check = (v) => typeof v === 'string' && v.length > 0
const isNanos: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0
const isMillis: Check = (v) => Number.isSafeInteger(v) && (v as number) > 0
const isPerMinute: Check = (v) => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= 1e12
const isPosition: Check = (v) => typeof v === 'string' && /^\d+$/.test(v)
const PERIODS: ReadonlySet<unknown> = new Set(['daily', 'monthly', 'total'])
const SCOPES: ReadonlySet<unknown> = new Set(['key', 'organization', 'model'])
const UNITS: ReadonlySet<unknown> = new Set(['requests', 'tokens'])

/** Collects the paths of the fields that fail; empty when every field is valid. */
class Issues {
  readonly list: string[] = []
  expect(ok: boolean, path: string, what: string): void {
    if (!ok) this.list.push(`${path}: expected ${what}`)
  }
  /** Whether value is an object to read fields of (recorded as an issue when it is not). */
  object(value: unknown, path: string, what: string): boolean {
    const ok = typeof value === 'object' && value !== null
    this.expect(ok, path, what)
    return ok
  }
  throwIfAny(what: string): void {
    if (this.list.length > 0) {
      throw new AppError('BUDGET_ARGUMENT_INVALID', `invalid spend ledger ${what}`, { issues: this.list })
    }
  }
}

function checkCounter(issues: Issues, ref: CounterRef, path: string): void {
  if (!issues.object(ref, path, 'a counter')) return
  issues.expect(ref.api_key_id === null || isId(ref.api_key_id), `${path}.api_key_id`, 'an id or null')
  issues.expect(PERIODS.has(ref.period), `${path}.period`, 'daily, monthly or total')
  issues.expect(isId(ref.label), `${path}.label`, 'a label')
  issues.expect(isMillis(ref.ttl_ms), `${path}.ttl_ms`, 'a positive integer')
}

function checkBudget(issues: Issues, budget: BudgetCheck, path: string): void {
  if (!issues.object(budget, path, 'a budget')) return
  issues.expect(isId(budget.budget_id), `${path}.budget_id`, 'an id')
  checkCounter(issues, budget.counter, `${path}.counter`)
  issues.expect(isNanos(budget.limit_nanos), `${path}.limit_nanos`, 'a safe non-negative integer')
  issues.expect(typeof budget.hard === 'boolean', `${path}.hard`, 'a boolean')
}

function checkLimit(issues: Issues, limit: LimitCheck, path: string): void {
  if (!issues.object(limit, path, 'a limit')) return
  issues.expect(SCOPES.has(limit.scope), `${path}.scope`, 'key, organization or model')
  issues.expect(isId(limit.id), `${path}.id`, 'an id')
  issues.expect(UNITS.has(limit.unit), `${path}.unit`, 'requests or tokens')
  issues.expect(isPerMinute(limit.per_minute), `${path}.per_minute`, 'an integer from 1 to 1e12')
}

function checkEach<T>(
  issues: Issues,
  list: readonly T[],
  path: string,
  check: (i: Issues, v: T, p: string) => void,
): void {
  issues.expect(Array.isArray(list), path, 'an array')
  if (!Array.isArray(list)) return
  for (let i = 0; i < list.length; i++) check(issues, list[i] as T, `${path}.${i}`)
}

export function assertAdmit(request: AdmitRequest): void {
  const issues = new Issues()
  issues.expect(isId(request.organization_id), 'organization_id', 'an id')
  issues.expect(isId(request.api_key_id), 'api_key_id', 'an id')
  issues.expect(isId(request.hold_id), 'hold_id', 'an id')
  issues.expect(isNanos(request.amount_nanos), 'amount_nanos', 'a safe non-negative integer')
  issues.expect(isNanos(request.tokens), 'tokens', 'a safe non-negative integer')
  checkEach(issues, request.spend, 'spend', checkCounter)
  checkEach(issues, request.budgets, 'budgets', checkBudget)
  checkEach(issues, request.limits, 'limits', checkLimit)
  issues.expect(isMillis(request.lease_ms), 'lease_ms', 'a positive integer')
  const known = request.known_position
  issues.expect(known === null || isPosition(known), 'known_position', 'a decimal position or null')
  issues.throwIfAny('admission')
}

export function assertSettle(request: SettleRequest): void {
  const issues = new Issues()
  issues.expect(isId(request.organization_id), 'organization_id', 'an id')
  issues.expect(isId(request.hold_id), 'hold_id', 'an id')
  issues.expect(isNanos(request.cost_nanos), 'cost_nanos', 'a safe non-negative integer')
  issues.expect(isNanos(request.tokens), 'tokens', 'a safe non-negative integer')
  issues.throwIfAny('settle')
}

export function assertHold(organization_id: string, hold_id: string, lease_ms?: number): void {
  const issues = new Issues()
  issues.expect(isId(organization_id), 'organization_id', 'an id')
  issues.expect(isId(hold_id), 'hold_id', 'an id')
  issues.expect(lease_ms === undefined || isMillis(lease_ms), 'lease_ms', 'a positive integer')
  issues.throwIfAny('hold')
}

export function assertSeed(organization_id: string, ref: CounterRef, recorded_nanos: number): void {
  const issues = new Issues()
  issues.expect(isId(organization_id), 'organization_id', 'an id')
  checkCounter(issues, ref, 'ref')
  issues.expect(isNanos(recorded_nanos), 'recorded_nanos', 'a safe non-negative integer')
  issues.throwIfAny('seed')
}

export function assertCounters(organization_id: string, refs: readonly CounterRef[]): void {
  const issues = new Issues()
  issues.expect(isId(organization_id), 'organization_id', 'an id')
  checkEach(issues, refs, 'refs', checkCounter)
  issues.throwIfAny('counters')
}

export function assertPosition(position: string): void {
  const issues = new Issues()
  issues.expect(isPosition(position), 'position', 'a decimal position')
  issues.throwIfAny('position')
}
