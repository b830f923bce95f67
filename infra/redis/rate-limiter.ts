import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import type { LimitDecision, RateLimiter } from '../ports/rate-limiter.ts'
import { createRedisClient, evalScript, luaScript } from './client.ts'

// Fixed window, anchored at the first hit of each window and ended by the key's own TTL
// (docs/adr/0004-limits-and-usage-bus.md). Chosen over the alternatives because:
// - it is exact across replicas: one atomic script on one key, no client clock involved. A window
//   index (floor(now / window)) would need a shared clock: client clocks skew between replicas, and
//   reading TIME inside the script means touching a key not declared in KEYS, which Redis Cluster
//   forbids;
// - it costs O(1) memory per key, where a sliding-window log stores one entry per request;
// - its reset is a plain TTL, which is what Retry-After needs; GCRA has no "remaining" that callers
//   understand. The price is the usual fixed-window burst of up to 2×limit across a boundary, which
//   is acceptable for request rates (spend is bounded separately by budget reservations).
// A denied hit is not counted, so a client hammering at the limit does not extend its penalty.
const HIT_SCRIPT = luaScript(`
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local allowed = 0
if count < limit then
  count = redis.call('INCR', KEYS[1])
  allowed = 1
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return {allowed, count, ttl}
`)

const scriptReply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int(), z.number().int()])

export interface RedisRateLimiterOptions {
  /** Prepended to every key, outside the hash tag. Default `aiaas:rl:`. */
  keyPrefix?: string
  /** Upper bound on one hit or ping, connection wait included. Default 500 ms. */
  commandTimeoutMs?: number
}

export function createRedisRateLimiter(url: string, options: RedisRateLimiterOptions = {}): RateLimiter {
  const keyPrefix = options.keyPrefix ?? 'aiaas:rl:'
  const client = createRedisClient(url, {
    timeoutMs: options.commandTimeoutMs ?? 500,
    unavailableCode: 'RATE_LIMITER_UNAVAILABLE',
    what: 'rate limiter',
  })

  return {
    async hit(key, limit, windowMs) {
      assertLimitArguments(limit, windowMs)
      const redisKey = `${keyPrefix}{${key}}:${windowMs}`
      return client.guarded(async () =>
        toDecision(await evalScript(client.redis, HIT_SCRIPT, [redisKey], [limit, windowMs]), limit),
      )
    },
    async ping() {
      await client.guarded(() => client.redis.ping())
    },
    close: () => client.close(),
  }
}

function toDecision(reply: unknown, limit: number): LimitDecision {
  const [allowed, count, ttl] = scriptReply.parse(reply)
  return { allowed: allowed === 1, limit, remaining: Math.max(0, limit - count), reset_ms: ttl }
}

function assertLimitArguments(limit: number, windowMs: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(windowMs) || windowMs < 1) {
    throw new AppError('RATE_LIMIT_INVALID', 'limit and windowMs must be positive integers', {
      limit,
      windowMs,
    })
  }
}
