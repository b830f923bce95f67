import { z } from 'zod'
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
import { createRedisClient, evalScript, type Script } from './client.ts'
import { SPEND_SCRIPTS } from './spend-ledger-lua.ts'

// The spend ledger on one Redis primary (docs/adr/0020-spend-ledger.md). An organization's keys
// share the hash tag {<organization_id>}; model limits are global ({m:<model>}), so one admission
// spans slots: one primary (Sentinel for HA), not Cluster.
export interface RedisSpendLedgerOptions {
  /** Prepended to every key. Default `aiaas:spend:`. */
  keyPrefix?: string
  /** Upper bound on one operation, connection wait included. Default 500 ms. */
  commandTimeoutMs?: number
}

const stateReply = z.object({ index: z.number().int(), remaining: z.number(), reset: z.number() })
const admitReply = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('admitted'), states: z.array(stateReply).or(z.object({})) }),
  z.object({ kind: z.literal('stale'), changed: z.string() }),
  z.object({ kind: z.literal('unseeded'), indexes: z.array(z.number().int()) }),
  z.object({
    kind: z.literal('rate_limited'),
    limit: z.number().int(),
    retry: z.number(),
    states: z.array(stateReply).or(z.object({})),
  }),
  z.object({
    kind: z.literal('budget_exceeded'),
    budget: z.number().int(),
    s: z.string(),
    r: z.string(),
    states: z.array(stateReply).or(z.object({})),
  }),
])
const settleReply = z.union([
  z.object({ kind: z.literal('unknown') }),
  z.object({ kind: z.literal('settled'), held: z.string() }),
])

export function createRedisSpendLedger(url: string, options: RedisSpendLedgerOptions = {}): SpendLedger {
  const prefix = options.keyPrefix ?? 'aiaas:spend:'
  const client = createRedisClient(url, {
    timeoutMs: options.commandTimeoutMs ?? 500,
    unavailableCode: 'BUDGET_LEDGER_UNAVAILABLE',
    what: 'spend ledger',
  })
  const keys = keyNames(prefix)
  const run = (script: Script, keyList: string[], args: Array<string | number>) =>
    client.guarded(() => evalScript(client.redis, script, keyList, args))
  const parseJson = (reply: unknown) => JSON.parse(z.string().parse(reply)) as unknown

  return {
    async admit(request) {
      assertAdmit(request)
      const query = admitQuery(keys, request)
      const reply = admitReply.parse(
        parseJson(await run(SPEND_SCRIPTS.admit, query.declared, [JSON.stringify(query.q)])),
      )
      return toAdmitResult(request, reply)
    },
    async settle(request) {
      assertSettle(request)
      const { organization_id: org, hold_id } = request
      const q = {
        hold: keys.hold(org, hold_id),
        leases: keys.leases(org),
        id: hold_id,
        cost: request.cost_nanos,
        tokens: request.tokens,
      }
      const reply = settleReply.parse(
        parseJson(await run(SPEND_SCRIPTS.settle, [q.hold, q.leases], [JSON.stringify(q)])),
      )
      return reply.kind === 'unknown' ? reply : { kind: 'settled', held_nanos: Number(reply.held) }
    },
    async release(organization_id, hold_id) {
      assertHold(organization_id, hold_id)
      const q = {
        hold: keys.hold(organization_id, hold_id),
        leases: keys.leases(organization_id),
        id: hold_id,
        cost: 0,
        tokens: 0,
      }
      await run(SPEND_SCRIPTS.settle, [q.hold, q.leases], [JSON.stringify(q)])
    },
    async renew(organization_id, hold_id, lease_ms) {
      assertHold(organization_id, hold_id, lease_ms)
      const q = {
        hold: keys.hold(organization_id, hold_id),
        leases: keys.leases(organization_id),
        id: hold_id,
        lease_ms,
      }
      return (await run(SPEND_SCRIPTS.renew, [q.hold, q.leases], [JSON.stringify(q)])) === 1
    },
    async seed(organization_id, counter, recorded_nanos) {
      assertSeed(organization_id, counter, recorded_nanos)
      const reply = await run(
        SPEND_SCRIPTS.seed,
        [keys.counter(organization_id, counter)],
        [recorded_nanos, counter.ttl_ms],
      )
      const [before, after] = z.tuple([z.string(), z.string()]).parse(reply)
      return { before_nanos: Number(before), after_nanos: Number(after) }
    },
    async counters(organization_id, refs) {
      assertCounters(organization_id, refs)
      if (refs.length === 0) return []
      const reply = await run(
        SPEND_SCRIPTS.counters,
        refs.map((ref) => keys.counter(organization_id, ref)),
        [],
      )
      return z
        .array(z.tuple([z.string(), z.string(), z.string()]))
        .parse(reply)
        .map(([s, r, seeded]) => ({
          spent_nanos: Number(s),
          reserved_nanos: Number(r),
          seeded: seeded === '1',
        }))
    },
    async markChanged(position) {
      assertPosition(position)
      await run(SPEND_SCRIPTS.mark, [keys.changes], [position])
    },
    async ping() {
      await client.guarded(() => client.redis.ping())
    },
    close: () => client.close(),
  }
}

type KeyNames = ReturnType<typeof keyNames>

function keyNames(prefix: string) {
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

function admitQuery(keys: KeyNames, request: AdmitRequest) {
  const org = request.organization_id
  const q = {
    id: request.hold_id,
    hold: keys.hold(org, request.hold_id),
    holds: keys.holds(org),
    leases: keys.leases(org),
    changes: keys.changes,
    known: request.known_position ?? '',
    amount: request.amount_nanos,
    lease_ms: request.lease_ms,
    budgets: request.budgets.map((b) => ({
      key: keys.counter(org, b.counter),
      limit: b.limit_nanos,
      hard: b.hard,
      ttl: b.counter.ttl_ms,
    })),
    spend: request.spend.map((ref) => [keys.counter(org, ref), ref.ttl_ms]),
    limits: request.limits.map((l) => ({
      key: keys.limit(org, l),
      per_minute: l.per_minute,
      unit: l.unit,
      weight: l.unit === 'requests' ? 1 : request.tokens,
    })),
  }
  const declared = [
    q.hold,
    q.leases,
    q.changes,
    ...q.budgets.map((b) => b.key),
    ...q.spend.map(([k]) => String(k)),
    ...q.limits.map((l) => l.key),
  ]
  return { q, declared }
}

function toStates(request: AdmitRequest, states: unknown): LimitState[] {
  if (!Array.isArray(states)) return [] // cjson writes an empty table as {}
  return z
    .array(stateReply)
    .parse(states)
    .map((s) => ({ ...(request.limits[s.index] as LimitCheck), remaining: s.remaining, reset_ms: s.reset }))
}

function toAdmitResult(request: AdmitRequest, reply: z.infer<typeof admitReply>): AdmitResult {
  switch (reply.kind) {
    case 'stale':
      return { kind: 'stale', changed_position: reply.changed }
    case 'unseeded':
      return {
        kind: 'unseeded',
        counters: reply.indexes.map((i) => (request.budgets[i] as AdmitRequest['budgets'][number]).counter),
      }
    case 'admitted':
      return { kind: 'admitted', limits: toStates(request, reply.states) }
    case 'rate_limited': {
      const limits = toStates(request, reply.states)
      const limit = limits.find((_, i) => i === reply.limit) as LimitState
      return { kind: 'rate_limited', limit, retry_after_ms: reply.retry, limits }
    }
    case 'budget_exceeded': {
      const budget = request.budgets[reply.budget] as AdmitRequest['budgets'][number]
      return {
        kind: 'budget_exceeded',
        budget_id: budget.budget_id,
        spent_nanos: Number(reply.s),
        reserved_nanos: Number(reply.r),
        limit_nanos: budget.limit_nanos,
        limits: toStates(request, reply.states),
      }
    }
  }
}
