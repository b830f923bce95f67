import { open } from 'lmdb'
import type { UsageEvent, UsagePublisher } from '../ports/usage.ts'
import { usageEventSchema } from '../ports/usage-event-schema.ts'

export interface SpooledPublisher extends UsagePublisher {
  /** Events waiting on disk for the bus. */
  pending(): number
  /** One pass over the spool; resolves to how many events it handed to the bus. */
  drain(): Promise<number>
}

export interface UsageSpoolOptions {
  /** Directory of the LMDB environment; one per router process. */
  path: string
  /** How often the spool retries the bus. Default 1000 ms. */
  drainIntervalMs?: number
  onError?: (error: unknown) => void
}

/**
 * Bridges a bus outage: an event the bus refuses is written to a local LMDB spool and
 * re-published in id order (uuidv7, so oldest first) once the bus takes events again; each is
 * removed only after the bus accepted it. publish resolves once LMDB has committed the event:
 * that survives a crash of the process; with lmdb-js' default overlappingSync the disk flush may
 * follow the commit, so a crash of the machine can lose the last events (ADR 0005).
 * tests/infra/lmdb/usage-spool.int.test.ts shows a bus switched off and on, a process restart and
 * a real RabbitMQ outage. While anything is spooled, new events go straight to the spool, so a
 * down broker costs one failed publish, not one per request. At-least-once: an event re-published
 * just before a crash may arrive twice; ingest deduplicates by id.
 */
export function createSpooledUsagePublisher(
  inner: UsagePublisher,
  options: UsageSpoolOptions,
): SpooledPublisher {
  const db = open<unknown, string>({ path: options.path, compression: false })
  const onError = options.onError ?? (() => {})
  let draining: Promise<number> | null = null
  const spool = async (event: UsageEvent) => {
    await db.put(event.id, event)
  }

  async function drainOnce(): Promise<number> {
    let sent = 0
    for (const { key, value } of db.getRange({})) {
      const parsed = usageEventSchema.safeParse(value)
      if (!parsed.success) {
        // Written by an older, incompatible version: keep it out of the way, and say so.
        onError(new Error(`usage spool: unreadable entry ${key} dropped`))
        await db.remove(key)
        continue
      }
      try {
        await inner.publish(parsed.data)
      } catch (error) {
        onError(error)
        return sent
      }
      await db.remove(key)
      sent++
    }
    return sent
  }

  const drain = () => {
    draining ??= drainOnce().finally(() => {
      draining = null
    })
    return draining
  }
  const timer = setInterval(() => {
    if (db.getCount() > 0) drain().catch(onError)
  }, options.drainIntervalMs ?? 1000)
  timer.unref()

  return {
    async publish(event) {
      if (db.getCount() > 0) return spool(event)
      try {
        await inner.publish(event)
      } catch (error) {
        onError(error)
        await spool(event)
      }
    },
    pending: () => db.getCount(),
    drain,
    async close() {
      clearInterval(timer)
      await draining
      await db.close()
      await inner.close()
    },
  }
}
