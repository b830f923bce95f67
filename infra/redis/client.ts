import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { AppError } from '../../domain/errors.ts'
import { withDeadline } from '../deadline.ts'

// The Redis connection every Redis adapter (rate limiter, budget ledger) uses: bounded calls,
// no offline queue, reconnects forever, one error code for "Redis is not there".
export interface RedisClient {
  redis: Redis
  /** Runs op once Redis is connected; any failure or a wait past the deadline becomes `code`. */
  guarded<T>(op: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface RedisClientOptions {
  /** Upper bound on one operation, connection wait included. */
  timeoutMs: number
  /** The AppError code callers see when Redis does not answer. */
  unavailableCode: string
  /** What is unavailable, for the message ("rate limiter", "budget ledger"). */
  what: string
  /**
   * Sends the commands issued in one event-loop tick as one write (ioredis `enableAutoPipelining`):
   * fewer syscalls under concurrent callers. Default false.
   */
  autoPipelining?: boolean
}

export function createRedisClient(url: string, options: RedisClientOptions): RedisClient {
  const { timeoutMs } = options
  const redis = new Redis(url, {
    commandTimeout: timeoutMs,
    enableAutoPipelining: options.autoPipelining ?? false,
    connectTimeout: Math.max(timeoutMs, 1000),
    // No offline queue: a call made during an outage must fail now, not be replayed minutes later
    // after the caller was already told "unavailable".
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Reconnect forever, so the adapter recovers by itself when Redis returns.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  })
  // Without a listener ioredis reports every failed reconnect as an unhandled error event; the
  // failure already reaches callers through guarded().
  redis.on('error', () => {})
  const ready = readiness(redis)
  const noAnswer = () => new Error(`no answer from redis within ${timeoutMs} ms`)
  const unavailable = (error: unknown): AppError => {
    if (error instanceof AppError) return error
    const reason = error instanceof Error ? error.message : String(error)
    return new AppError(options.unavailableCode, `${options.what} unavailable: ${reason}`, { reason })
  }
  return {
    redis,
    guarded: (op) =>
      withDeadline(ready().then(op), timeoutMs, noAnswer).catch((error: unknown) => {
        throw unavailable(error)
      }),
    async close() {
      await withDeadline(redis.quit(), timeoutMs, noAnswer).catch(() => undefined)
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

export interface Script {
  source: string
  sha: string
}

export const luaScript = (source: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
})

/** EVALSHA, falling back to EVAL the first time a server sees the script (or after SCRIPT FLUSH). */
export async function evalScript(
  redis: Redis,
  script: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return redis.eval(script.source, keys.length, ...keys, ...args)
  }
}
