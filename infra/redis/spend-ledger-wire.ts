import type {
  AdmitRequest,
  AdmitResult,
  CounterRef,
  CounterState,
  LimitCheck,
  LimitState,
  SettleResult,
} from '../ports/spend-ledger.ts'

// What the spend ledger's scripts (spend-ledger-lua.ts) take and answer: keys, flat ARGV strings,
// flat array replies. Hand-read rather than JSON and zod: this runs twice per routed request, and a
// malformed reply (a script of another version, a proxy in the way) is still refused, by name.

export type KeyNames = ReturnType<typeof keyNames>

// An organization's keys share the hash tag {<organization_id>}; model limits are global.
export function keyNames(prefix: string) {
  return {
    counter: (org: string, ref: CounterRef) => `${prefix}{${org}}:c:${ref.api_key_id ?? 'org'}:${ref.label}`,
    hold: (org: string, hold: string) => `${prefix}{${org}}:h:${hold}`,
    holds: (org: string) => `${prefix}{${org}}:h:`,
    leases: (org: string) => `${prefix}{${org}}:leases`,
    limit: (org: string, limit: LimitCheck) =>
      limit.scope === 'model'
        ? `${prefix}{m:${limit.id}}:rl:model:${limit.id}:${limit.unit}`
        : `${prefix}{${org}}:rl:${limit.scope}:${limit.id}:${limit.unit}`,
    changes: `${prefix}changes`,
  }
}

/** The admit script's KEYS and ARGV (layout in spend-ledger-lua.ts). */
export function admitCall(keys: KeyNames, request: AdmitRequest): { keys: string[]; args: string[] } {
  const org = request.organization_id
  const { budgets, spend, limits } = request
  const keyList = [keys.hold(org, request.hold_id), keys.leases(org), keys.changes]
  const args = [
    request.hold_id,
    keys.holds(org),
    request.known_position ?? '',
    String(request.amount_nanos),
    String(request.lease_ms),
    String(budgets.length),
    String(spend.length),
    String(limits.length),
  ]
  for (const b of budgets) {
    keyList.push(keys.counter(org, b.counter))
    args.push(String(b.limit_nanos), b.hard ? '1' : '0', String(b.counter.ttl_ms))
  }
  for (const ref of spend) {
    keyList.push(keys.counter(org, ref))
    args.push(String(ref.ttl_ms))
  }
  const tokens = String(request.tokens)
  for (const l of limits) {
    keyList.push(keys.limit(org, l))
    args.push(String(l.per_minute), l.unit === 'requests' ? '1' : tokens, l.unit)
  }
  return { keys: keyList, args }
}

const malformed = (what: string, reply: unknown) =>
  new Error(`spend ledger: malformed ${what} reply: ${JSON.stringify(reply)?.slice(0, 200)}`)

const isIndex = (value: unknown, length: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < length
const isDecimal = (value: unknown): value is string => typeof value === 'string' && /^-?\d+$/.test(value)

/** One (remaining, reset) pair per limit from `from` on, as the limits' states. */
function statesOf(request: AdmitRequest, reply: unknown[], from: number): LimitState[] | undefined {
  const { limits } = request
  if (reply.length !== from + 2 * limits.length) return undefined
  const states: LimitState[] = []
  for (let i = 0; i < limits.length; i++) {
    const remaining = reply[from + 2 * i]
    const reset_ms = reply[from + 2 * i + 1]
    if (typeof remaining !== 'number' || typeof reset_ms !== 'number') return undefined
    const { scope, id, unit, per_minute } = limits[i] as LimitCheck
    states.push({ scope, id, unit, per_minute, remaining, reset_ms })
  }
  return states
}

/** The admit script's reply as the port's result; throws on anything the script cannot answer. */
export function toAdmitResult(request: AdmitRequest, reply: unknown): AdmitResult {
  const result = Array.isArray(reply) ? readAdmit(request, reply) : undefined
  if (!result) throw malformed('admit', reply)
  return result
}

function readAdmit(request: AdmitRequest, reply: unknown[]): AdmitResult | undefined {
  const [kind, a, b, c] = reply
  switch (kind) {
    case 'admitted': {
      const limits = statesOf(request, reply, 1)
      return limits && { kind, limits }
    }
    case 'stale':
      return reply.length === 2 && typeof a === 'string' ? { kind, changed_position: a } : undefined
    case 'unseeded': {
      const counters: CounterRef[] = []
      for (const index of reply.slice(1)) {
        const budget = isIndex(index, request.budgets.length) ? request.budgets[index] : undefined
        if (!budget) return undefined
        counters.push(budget.counter)
      }
      return counters.length > 0 ? { kind, counters } : undefined
    }
    case 'rate_limited': {
      const limits = statesOf(request, reply, 3)
      const limit = limits && isIndex(a, limits.length) ? limits[a] : undefined
      return limit && typeof b === 'number'
        ? { kind, limit, retry_after_ms: b, limits: limits ?? [] }
        : undefined
    }
    case 'budget_exceeded': {
      const limits = statesOf(request, reply, 4)
      const budget = isIndex(a, request.budgets.length) ? request.budgets[a] : undefined
      if (!limits || !budget || !isDecimal(b) || !isDecimal(c)) return undefined
      const { budget_id, limit_nanos } = budget
      return { kind, budget_id, spent_nanos: Number(b), reserved_nanos: Number(c), limit_nanos, limits }
    }
    default:
      return undefined
  }
}

/** The settle script's reply: the amount held, or nil when there was no such hold. */
export function toSettleResult(reply: unknown): SettleResult {
  if (reply === null) return { kind: 'unknown' }
  if (!isDecimal(reply)) throw malformed('settle', reply)
  return { kind: 'settled', held_nanos: Number(reply) }
}

/** The seed script's reply: the counter's spend before and after. */
export function toSeedResult(reply: unknown): { before_nanos: number; after_nanos: number } {
  if (!Array.isArray(reply) || reply.length !== 2 || !reply.every(isDecimal)) throw malformed('seed', reply)
  return { before_nanos: Number(reply[0]), after_nanos: Number(reply[1]) }
}

/** The counters script's reply: (spent, reserved, seeded) per counter asked for, in order. */
export function toCounterStates(reply: unknown, count: number): CounterState[] {
  if (!Array.isArray(reply) || reply.length !== count) throw malformed('counters', reply)
  return reply.map((row: unknown) => {
    if (!Array.isArray(row) || row.length !== 3 || !isDecimal(row[0]) || !isDecimal(row[1])) {
      throw malformed('counters', reply)
    }
    return { spent_nanos: Number(row[0]), reserved_nanos: Number(row[1]), seeded: row[2] === '1' }
  })
}
