import { Redis } from 'ioredis'
import { z } from 'zod'
import { withDeadline } from '../deadline.ts'
import type { BoardListener, CircuitOpening, HealthBoard } from '../ports/health-board.ts'
import { createRedisClient } from './client.ts'

// Open circuits as keys that expire with their cooldown (`<prefix>open:<backend>` = openings in a
// row), announced on one pub/sub channel so replicas learn at once; a replica that missed a
// message (it started later, or its subscription was down) reads the keys (docs/adr/0019).
const message = z.object({
  backend: z.string().min(1),
  opening: z
    .object({ cooldown_ms: z.number().int().positive(), openings: z.number().int().positive() })
    .nullable(),
})

export interface RedisHealthBoardOptions {
  /** Prepended to keys and the channel. Default `aiaas:health:`. */
  keyPrefix?: string
  /** Upper bound on one call, connection wait included. Default 500 ms. */
  commandTimeoutMs?: number
}

export function createRedisHealthBoard(url: string, options: RedisHealthBoardOptions = {}): HealthBoard {
  const prefix = options.keyPrefix ?? 'aiaas:health:'
  const channel = `${prefix}announcements`
  const timeoutMs = options.commandTimeoutMs ?? 500
  const client = createRedisClient(url, {
    timeoutMs,
    unavailableCode: 'HEALTH_BOARD_UNAVAILABLE',
    what: 'backend health board',
  })
  const { redis } = client
  // A subscribed connection can do nothing else; it resubscribes by itself after a reconnect.
  let subscriber: Redis | null = null
  const openKey = (backend: string) => `${prefix}open:${backend}`
  const trialKey = (backend: string) => `${prefix}trial:${backend}`
  return {
    announce: (backend, opening) =>
      client.guarded(async () => {
        const multi = redis.multi()
        if (opening) multi.set(openKey(backend), String(opening.openings), 'PX', opening.cooldown_ms)
        else multi.del(openKey(backend))
        multi.del(trialKey(backend))
        await multi.publish(channel, JSON.stringify({ backend, opening })).exec()
      }),
    openings: () => client.guarded(() => readOpenings(redis, `${prefix}open:`)),
    async listen(listener: BoardListener) {
      subscriber ??= new Redis(url, { retryStrategy: (attempt) => Math.min(attempt * 100, 2000) })
      subscriber.on('error', () => {})
      subscriber.on('message', (from: string, text: string) => {
        if (from !== channel) return
        const parsed = message.safeParse(safeJson(text))
        if (parsed.success) listener(parsed.data.backend, parsed.data.opening)
      })
      // Redis down at start: this resolves after the deadline and the subscription is made when
      // Redis returns (ioredis queues it); meanwhile the replica polls openings().
      const subscribed = subscriber.subscribe(channel)
      await withDeadline(subscribed, timeoutMs, () => new Error('no subscription yet')).catch(() => {})
    },
    takeTrial: (backend, ttlMs) =>
      client.guarded(async () => (await redis.set(trialKey(backend), '1', 'PX', ttlMs, 'NX')) === 'OK'),
    releaseTrial: (backend) =>
      client.guarded(async () => {
        await redis.del(trialKey(backend))
      }),
    async close() {
      subscriber?.disconnect()
      await client.close()
    },
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

async function readOpenings(redis: Redis, keyPrefix: string): Promise<Map<string, CircuitOpening>> {
  const current = new Map<string, CircuitOpening>()
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 200)
    cursor = next
    for (const key of keys) {
      const [openings, ttl] = await Promise.all([redis.get(key), redis.pttl(key)])
      if (openings !== null && ttl > 0) {
        current.set(key.slice(keyPrefix.length), { cooldown_ms: ttl, openings: Number(openings) })
      }
    }
  } while (cursor !== '0')
  return current
}
