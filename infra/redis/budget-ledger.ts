import { z } from 'zod'
import {
  assertIds,
  assertNanos,
  assertReserveArguments,
  type BudgetLedger,
  type ReserveResult,
} from '../ports/budget-ledger.ts'
import { createRedisClient, evalScript, luaScript, type Script } from './client.ts'

// Reserve-first budget ledger (docs/adr/0006-budget-ledger.md). One Lua script per operation, one
// round trip each, on five keys of one budget that share the hash tag `{key}` (one Cluster slot):
//   spent (string) · held (hash id → nanos) · expiry (zset id → expiry ms) ·
//   settled (set of settled ids, for settle idempotency) · ttl (the budget's keyTtlMs; its absence
//   means the budget's keys have expired).
// Time is Redis server time (TIME; Redis 7 replicates effects), so router clocks never matter.
// Lua numbers are doubles: numbers are written back with %d, never tostring (which keeps 14
// digits), and amounts are validated as safe integers before they are sent.
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function touch(ttl_ms)
  for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ttl_ms) end
end
local function live_holds(now)
  local total = 0
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. string.format('%d', now), '+inf')) do
    total = total + tonumber(redis.call('HGET', KEYS[2], id) or '0')
  end
  return total
end
`
// A retried reserve of the same id replaces its own hold rather than holding twice. A refused
// reserve still drops expired holds and refreshes the key TTL.
const RESERVE = `${PRELUDE}
local id, amount, limit, hold_ms, ttl_ms = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local now = now_ms()
local cutoff = string.format('%d', now)
for _, expired in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', cutoff)) do
  redis.call('HDEL', KEYS[2], expired)
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', cutoff)
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
local reserved = live_holds(now)
local others = reserved - tonumber(redis.call('HGET', KEYS[2], id) or '0')
local ok = 0
if spent + others + amount <= limit then
  redis.call('HSET', KEYS[2], id, ARGV[2])
  redis.call('ZADD', KEYS[3], string.format('%d', now + hold_ms), id)
  ok, reserved = 1, others + amount
end
redis.call('SET', KEYS[5], ttl_ms)
touch(ttl_ms)
return {ok, spent, reserved}
`
// The settled set, not the hold, makes settle idempotent: a settle after the hold expired still
// counts once. A settle after the budget's keys expired (its period is over) is dropped.
const SETTLE = `${PRELUDE}
local ttl_ms = redis.call('GET', KEYS[5])
if not ttl_ms then return 0 end
if redis.call('SADD', KEYS[4], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('INCRBY', KEYS[1], ARGV[2])
touch(ttl_ms)
return 1
`
const RELEASE = `${PRELUDE}
local ttl_ms = redis.call('GET', KEYS[5])
if not ttl_ms or redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[3], ARGV[1])
touch(ttl_ms)
return 1
`
const USAGE = `${PRELUDE}
return {tonumber(redis.call('GET', KEYS[1]) or '0'), live_holds(now_ms())}
`

const SCRIPTS = {
  reserve: luaScript(RESERVE),
  settle: luaScript(SETTLE),
  release: luaScript(RELEASE),
  usage: luaScript(USAGE),
}

const reserveReply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int(), z.number().int()])
const usageReply = z.tuple([z.number().int(), z.number().int()])

export interface RedisBudgetLedgerOptions {
  /** Prepended to every key, outside the hash tag. Default `aiaas:budget:`. */
  keyPrefix?: string
  /** Upper bound on one operation, connection wait included. Default 500 ms. */
  commandTimeoutMs?: number
}

export function createRedisBudgetLedger(url: string, options: RedisBudgetLedgerOptions = {}): BudgetLedger {
  const keyPrefix = options.keyPrefix ?? 'aiaas:budget:'
  // A timed-out reserve may still have run on the server: its hold expires after holdMs (ADR 0006).
  const client = createRedisClient(url, {
    timeoutMs: options.commandTimeoutMs ?? 500,
    unavailableCode: 'BUDGET_LEDGER_UNAVAILABLE',
    what: 'budget ledger',
  })
  const keysOf = (key: string) =>
    ['spent', 'held', 'expiry', 'settled', 'ttl'].map((part) => `${keyPrefix}{${key}}:${part}`)
  const run = (which: Script, key: string, args: Array<string | number>) =>
    client.guarded(() => evalScript(client.redis, which, keysOf(key), args))

  return {
    async reserve(key, reservationId, amountNanos, limitNanos, { holdMs, keyTtlMs }) {
      assertReserveArguments(key, reservationId, amountNanos, limitNanos, holdMs, keyTtlMs)
      const reply = await run(SCRIPTS.reserve, key, [
        reservationId,
        amountNanos,
        limitNanos,
        holdMs,
        keyTtlMs,
      ])
      return toReserveResult(reply, limitNanos)
    },
    async settle(key, reservationId, actualNanos) {
      assertIds(key, reservationId)
      assertNanos({ actualNanos })
      await run(SCRIPTS.settle, key, [reservationId, actualNanos])
    },
    async release(key, reservationId) {
      assertIds(key, reservationId)
      await run(SCRIPTS.release, key, [reservationId])
    },
    async usage(key) {
      assertIds(key, 'usage')
      const [spent_nanos, reserved_nanos] = usageReply.parse(await run(SCRIPTS.usage, key, []))
      return { spent_nanos, reserved_nanos }
    },
    async ping() {
      await client.guarded(() => client.redis.ping())
    },
    close: () => client.close(),
  }
}

function toReserveResult(reply: unknown, limit_nanos: number): ReserveResult {
  const [ok, spent_nanos, reserved_nanos] = reserveReply.parse(reply)
  return ok === 1
    ? { ok: true, spent_nanos, reserved_nanos }
    : { ok: false, spent_nanos, reserved_nanos, limit_nanos }
}
