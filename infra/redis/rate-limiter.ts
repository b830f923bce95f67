import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import type { LimitDecision, RateLimiter } from '../ports/rate-limiter.ts'

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
const HIT_SCRIPT = `
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
`
const HIT_SCRIPT_SHA = createHash('sha1').update(HIT_SCRIPT).digest('hex')

const scriptReply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int(), z.number().int()])

export interface RedisRateLimiterOptions {
  /** Prepended to every key, outside the hash tag. Default `aiaas:rl:`. */
  keyPrefix?: string
  /** Upper bound on one hit or ping, connection wait included. Default 500 ms. */
  commandTimeoutMs?: number
}

export function createRedisRateLimiter(url: string, options: RedisRateLimiterOptions = {}): RateLimiter {
  const keyPrefix = options.keyPrefix ?? 'aiaas:rl:'
  const timeoutMs = options.commandTimeoutMs ?? 500
  const redis = new Redis(url, {
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1000),
    // No offline queue: while Redis is away a hit must fail now, not pile up in memory and be
    // counted minutes later after the caller was already told "unavailable".
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep reconnecting forever, so the limiter recovers by itself when Redis returns.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  })
  // Without a listener ioredis reports every failed reconnect as an unhandled error event; the
  // failure already reaches callers as RATE_LIMITER_UNAVAILABLE.
  redis.on('error', () => {})

  const whenReady = readiness(redis)
  const guarded = <T>(operation: () => Promise<T>): Promise<T> =>
    withDeadline(whenReady().then(operation), timeoutMs).catch((error: unknown) => {
      throw unavailable(error)
    })

  return {
    async hit(key, limit, windowMs) {
      assertLimitArguments(limit, windowMs)
      const redisKey = `${keyPrefix}{${key}}:${windowMs}`
      return guarded(async () => toDecision(await runHitScript(redis, redisKey, limit, windowMs), limit))
    },
    async ping() {
      await guarded(() => redis.ping())
    },
    async close() {
      await withDeadline(redis.quit(), timeoutMs).catch(() => undefined)
      redis.disconnect()
    },
  }
}

// Waits for a connection only while one is being made (startup); during an outage (reconnecting)
// it fails at once, so callers get a fast 503 instead of a delayed one. Concurrent callers share one
// wait, so a burst at startup adds two listeners, not two per request.
function readiness(redis: Redis): () => Promise<void> {
  let pending: Promise<void> | undefined
  const waitForReady = () =>
    new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        redis.off('ready', onReady)
        redis.off('close', onClose)
        pending = undefined
        if (error) reject(error)
        else resolve()
      }
      const onReady = () => settle()
      const onClose = () => settle(new Error('redis connection closed'))
      redis.once('ready', onReady)
      redis.once('close', onClose)
    })
  return async () => {
    if (redis.status === 'ready') return
    if (redis.status !== 'wait' && redis.status !== 'connecting' && redis.status !== 'connect') {
      throw new Error(`redis connection is ${redis.status}`)
    }
    pending ??= waitForReady()
    await pending
  }
}

async function runHitScript(redis: Redis, key: string, limit: number, windowMs: number): Promise<unknown> {
  try {
    return await redis.evalsha(HIT_SCRIPT_SHA, 1, key, limit, windowMs)
  } catch (error) {
    // First call on this server (or after SCRIPT FLUSH): EVAL loads the script for later EVALSHAs.
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return redis.eval(HIT_SCRIPT, 1, key, limit, windowMs)
  }
}

function toDecision(reply: unknown, limit: number): LimitDecision {
  const [allowed, count, ttl] = scriptReply.parse(reply)
  return { allowed: allowed === 1, limit, remaining: Math.max(0, limit - count), reset_ms: ttl }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from redis within ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

function unavailable(error: unknown): AppError {
  if (error instanceof AppError) return error
  const reason = error instanceof Error ? error.message : String(error)
  return new AppError('RATE_LIMITER_UNAVAILABLE', `rate limiter unavailable: ${reason}`, { reason })
}

function assertLimitArguments(limit: number, windowMs: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(windowMs) || windowMs < 1) {
    throw new AppError('RATE_LIMIT_INVALID', 'limit and windowMs must be positive integers', {
      limit,
      windowMs,
    })
  }
}
