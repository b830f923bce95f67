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
   * A command is written at once when nothing awaits a reply or it is the first of its event-loop
   * turn; the others of that turn go out together in one write at its check phase: fewer syscalls
   * under concurrent callers, no wait for a lone one. Default false (each command its own write).
   */
  autoPipelining?: boolean
}

export function createRedisClient(url: string, options: RedisClientOptions): RedisClient {
  const { timeoutMs } = options
  const redis = new Redis(url, {
    commandTimeout: timeoutMs,
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
  const coalesce = options.autoPipelining ? coalescer(redis) : () => {}
  const started =
    <T>(op: () => Promise<T>) =>
    () => {
      coalesce()
      return op()
    }
  return {
    redis,
    guarded: (op) =>
      withDeadline(ready().then(started(op)), timeoutMs, noAnswer).catch((error: unknown) => {
        throw unavailable(error)
      }),
    async close() {
      await withDeadline(redis.quit(), timeoutMs, noAnswer).catch(() => undefined)
      redis.disconnect()
    },
  }
}

// ioredis's own auto-pipelining (enableAutoPipelining) defers every command to setImmediate and
// sends a batch only once the previous batch is answered: at one connection a request's admission
// waited there behind the settle of the request before (docs/benchmarks.md, "Admission latency
// (A14)"). Here a command is written at once when nothing awaits a reply (a lone caller pays for
// no turn tracking at all) or when it is the first of its event-loop turn; after that first one the
// socket is corked for the rest of the turn (until the check phase), so the commands of requests
// handled in the same turn share one write, and no write waits for another's replies (ioredis
// matches replies to commands in order either way).
function coalescer(redis: Redis): () => void {
  let turnStarted = false
  let corked: Redis['stream'] | null = null
  const endTurn = () => {
    turnStarted = false
    corked?.uncork()
    corked = null
  }
  return () => {
    if (!turnStarted && redis.commandQueue.length === 0) return
    if (!turnStarted) {
      turnStarted = true
      setImmediate(endTurn)
      return
    }
    const stream = redis.stream
    if (corked || !stream?.writable) return
    corked = stream
    stream.cork()
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
