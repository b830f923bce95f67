import type {
  AdmitRequest,
  AdmitResult,
  CounterRef,
  LimitCheck,
  LimitState,
  SpendLedger,
} from '../ports/spend-ledger.ts'
import {
  assertAdmit,
  assertCounters,
  assertHold,
  assertPosition,
  assertSeed,
  assertSettle,
} from '../spend-ledger-arguments.ts'

// The in-process twin of the Redis spend ledger (embedded mode, unit tests): the same rules on
// Maps, with expiry by an injected clock. Single-threaded, so each call is atomic like a script.
const MINUTE = 60_000
const DAY = 86_400_000
const EPSILON = 1e-6

interface Counter {
  s: number
  r: number
  seeded: boolean
  expires: number
}
interface Weighed {
  key: string
  weight: number
  interval: number
  unit: LimitCheck['unit']
}
interface Hold {
  amount: number
  reservedOn: string[]
  spendTo: Array<[string, number]>
  weighed: Weighed[]
  lapsed: boolean
  leaseEnd: number
  expires: number
}

export function createMemorySpendLedger(options: { now?: () => number } = {}): SpendLedger {
  const now = options.now ?? Date.now
  const counters = new Map<string, Counter>()
  const tats = new Map<string, { tat: number; expires: number }>()
  const holds = new Map<string, Hold>()
  let changed: string | null = null
  const cKey = (org: string, ref: CounterRef) => `${org}\u0000${ref.api_key_id ?? 'org'}\u0000${ref.label}`
  const hKey = (org: string, hold: string) => `${org}\u0000${hold}`
  const lKey = (org: string, l: LimitCheck) =>
    l.scope === 'model'
      ? `m\u0000${l.id}\u0000${l.unit}`
      : `${org}\u0000${l.scope}\u0000${l.id}\u0000${l.unit}`

  const counter = (key: string, t: number): Counter | undefined => {
    const c = counters.get(key)
    if (c && c.expires <= t) counters.delete(key)
    return c && c.expires > t ? c : undefined
  }
  const ensure = (key: string, ttl: number, t: number): Counter => {
    const c = counter(key, t) ?? { s: 0, r: 0, seeded: false, expires: 0 }
    c.expires = Math.max(c.expires, t + ttl)
    counters.set(key, c)
    return c
  }
  const tatOf = (key: string, t: number) => {
    const e = tats.get(key)
    return e && e.expires > t ? e.tat : 0
  }
  const moveTat = (key: string, delta: number, t: number) => {
    const e = tats.get(key)
    if (!e || e.expires <= t) return
    const moved = Math.max(e.tat + delta, t)
    tats.set(key, { tat: moved, expires: Math.ceil(moved - t) + 1000 + t })
  }
  const shift = (hold: Hold, sign: number, t: number) => {
    for (const key of hold.reservedOn) {
      const c = counter(key, t)
      if (c) c.r += sign * hold.amount
    }
  }
  const liveHold = (key: string, t: number) => {
    const h = holds.get(key)
    if (h && h.expires <= t) holds.delete(key)
    return h && h.expires > t ? h : undefined
  }
  // Bounded work per admission, like the script's reap: each call looks at the next 64 holds (a
  // cursor that wraps around), so a lapsed lease stops counting within a few admissions even with
  // many live holds; expired counters, arrival times and records go the same way.
  const holdCursor = cursor(holds)
  const counterCursor = cursor(counters)
  const tatCursor = cursor(tats)
  const reap = (t: number) => {
    for (const [key, h] of holdCursor(64)) {
      if (h.expires <= t) holds.delete(key)
      else if (!h.lapsed && h.leaseEnd <= t) {
        shift(h, -1, t)
        h.lapsed = true
      }
    }
    for (const [key, c] of counterCursor(64)) if (c.expires <= t) counters.delete(key)
    for (const [key, e] of tatCursor(64)) if (e.expires <= t) tats.delete(key)
  }
  const undo = (key: string, hold: Hold, t: number, refundRequests: boolean, tokens: number) => {
    if (!hold.lapsed) shift(hold, -1, t)
    for (const w of hold.weighed) {
      if (w.unit === 'tokens') moveTat(w.key, ((refundRequests ? 0 : tokens) - w.weight) * w.interval, t)
      else if (refundRequests) moveTat(w.key, -w.weight * w.interval, t)
    }
    holds.delete(key)
  }

  function admit(request: AdmitRequest): AdmitResult {
    const t = now()
    const org = request.organization_id
    if (request.known_position !== null && changed !== null && greater(changed, request.known_position)) {
      return { kind: 'stale', changed_position: changed }
    }
    const unseeded = request.budgets.filter((b) => b.hard && !counter(cKey(org, b.counter), t)?.seeded)
    if (unseeded.length > 0) return { kind: 'unseeded', counters: unseeded.map((b) => b.counter) }
    reap(t)
    const hk = hKey(org, request.hold_id)
    const previous = liveHold(hk, t)
    if (previous) undo(hk, previous, t, true, 0)
    const gcra = weigh(request, (l) => tatOf(lKey(org, l), t), t)
    if (gcra.refusal) return { kind: 'rate_limited', ...gcra.refusal, limits: gcra.states }
    for (const b of request.budgets) {
      const c = counter(cKey(org, b.counter), t)
      const s = c?.s ?? 0
      const r = c?.r ?? 0
      if (b.hard && s + r + request.amount_nanos > b.limit_nanos) {
        return {
          kind: 'budget_exceeded',
          budget_id: b.budget_id,
          spent_nanos: s,
          reserved_nanos: r,
          limit_nanos: b.limit_nanos,
          limits: gcra.states,
        }
      }
    }
    const weighed = request.limits.map((l, i) => {
      const key = lKey(org, l)
      const after = gcra.after[i] as number
      tats.set(key, { tat: after, expires: t + Math.ceil(after - t) + 1000 })
      return { key, weight: weightOf(request, l), interval: MINUTE / l.per_minute, unit: l.unit }
    })
    const reservedOn = new Set<string>()
    for (const b of request.budgets) {
      const key = cKey(org, b.counter)
      const c = ensure(key, b.counter.ttl_ms, t)
      if (b.hard && !reservedOn.has(key)) {
        reservedOn.add(key)
        c.r += request.amount_nanos
      }
    }
    holds.set(hk, {
      amount: request.amount_nanos,
      reservedOn: [...reservedOn],
      spendTo: request.spend.map((ref) => [cKey(org, ref), ref.ttl_ms]),
      weighed,
      lapsed: false,
      leaseEnd: t + request.lease_ms,
      expires: t + request.lease_ms + DAY,
    })
    return { kind: 'admitted', limits: gcra.states }
  }

  return {
    admit: async (request) => {
      assertAdmit(request)
      return admit(request)
    },
    async settle(request) {
      assertSettle(request)
      const t = now()
      const hk = hKey(request.organization_id, request.hold_id)
      const hold = liveHold(hk, t)
      if (!hold) return { kind: 'unknown' }
      for (const [key, ttl] of hold.spendTo) ensure(key, ttl, t).s += request.cost_nanos
      undo(hk, hold, t, false, request.tokens)
      return { kind: 'settled', held_nanos: hold.amount }
    },
    async release(organization_id, hold_id) {
      assertHold(organization_id, hold_id)
      const t = now()
      const hk = hKey(organization_id, hold_id)
      const hold = liveHold(hk, t)
      if (hold) undo(hk, hold, t, false, 0)
    },
    async renew(organization_id, hold_id, lease_ms) {
      assertHold(organization_id, hold_id, lease_ms)
      const t = now()
      const hold = liveHold(hKey(organization_id, hold_id), t)
      if (!hold) return false
      if (hold.lapsed || hold.leaseEnd <= t) {
        if (hold.lapsed) shift(hold, 1, t)
        hold.lapsed = false
      }
      hold.leaseEnd = t + lease_ms
      hold.expires = t + lease_ms + DAY
      return true
    },
    async seed(organization_id, ref, recorded_nanos) {
      assertSeed(organization_id, ref, recorded_nanos)
      const c = ensure(cKey(organization_id, ref), ref.ttl_ms, now())
      const before = c.s
      c.s = Math.max(c.s, recorded_nanos)
      c.seeded = true
      return { before_nanos: before, after_nanos: c.s }
    },
    async counters(organization_id, refs) {
      assertCounters(organization_id, refs)
      const t = now()
      return refs.map((ref) => {
        const c = counter(cKey(organization_id, ref), t)
        return { spent_nanos: c?.s ?? 0, reserved_nanos: c?.r ?? 0, seeded: c?.seeded ?? false }
      })
    },
    async markChanged(position) {
      assertPosition(position)
      if (changed === null || greater(position, changed)) changed = position
    },
    async ping() {},
    async close() {},
  }
}

/** Up to `n` entries per call, resuming where the last call stopped and wrapping at the end. */
function cursor<V>(map: Map<string, V>): (n: number) => Array<[string, V]> {
  let iterator = map.entries()
  return (n) => {
    const out: Array<[string, V]> = []
    for (let wrapped = false; out.length < Math.min(n, map.size); ) {
      const step = iterator.next()
      if (!step.done) out.push(step.value)
      else if (wrapped) break
      else {
        iterator = map.entries()
        wrapped = true
      }
    }
    return out
  }
}

const weightOf = (request: AdmitRequest, l: LimitCheck) => (l.unit === 'requests' ? 1 : request.tokens)

/** GCRA over one minute for every limit: computed first, written by the caller only if all fit. */
function weigh(request: AdmitRequest, tatOf: (l: LimitCheck) => number, t: number) {
  const states: LimitState[] = []
  const after: number[] = []
  let refusal: { limit: LimitState; retry_after_ms: number } | undefined
  for (const l of request.limits) {
    const interval = MINUTE / l.per_minute
    const weight = weightOf(request, l)
    const tat = Math.max(tatOf(l), t)
    const next = tat + weight * interval
    const fits = next - t <= MINUTE + EPSILON
    const at = fits ? next : tat
    const state = {
      ...l,
      remaining: Math.max(0, Math.floor((MINUTE - (at - t)) / interval + 1e-9)),
      reset_ms: Math.max(0, Math.ceil(at - t)),
    }
    states.push(state)
    after.push(next)
    if (!fits) {
      const retry = weight > l.per_minute ? MINUTE : Math.ceil(next - t - MINUTE)
      if (!refusal || retry > refusal.retry_after_ms) refusal = { limit: state, retry_after_ms: retry }
    }
  }
  return { states, after, refusal }
}

/** Decimal positions of any length: by length, then lexicographically. */
function greater(a: string, b: string): boolean {
  return a.length > b.length || (a.length === b.length && a > b)
}
