import { open } from 'lmdb'
import { AppError } from '../../domain/errors.ts'
import type { UsageEvent, UsagePublisher } from '../ports/usage.ts'
import { usageEventSchema } from '../ports/usage-event-schema.ts'

export interface SpooledPublisher extends UsagePublisher {
  /** Events waiting in the spool for the bus (those being written to it included). */
  pending(): number
  /** One pass over the spool; resolves to how many events the bus confirmed. */
  drain(): Promise<number>
}

export interface UsageSpoolOptions {
  /** Directory of the LMDB environment; one per router process. */
  path: string
  /** How often the spool retries the bus. Default 1000 ms. */
  drainIntervalMs?: number
  /** Events published at once, then removed in one transaction, by a drain. Default 500. */
  batchSize?: number
  /**
   * An event whose confirm is later than this is written to the spool meanwhile (and removed if the
   * confirm still comes): the most a SIGKILL can lose is the events of this window. Default 200 ms.
   */
  spoolAfterMs?: number
  onError?: (error: unknown) => void
}

interface Spooled {
  key: string
  event: UsageEvent
}

/**
 * Bridges a bus outage: an event the bus refuses, or has not confirmed within spoolAfterMs, is
 * written to a local LMDB spool, and publish resolves only once that write is flushed to disk (awaiting `flushed`: lmdb-js' default
 * overlappingSync resolves a put at commit, before the flush). A drain re-publishes spooled events
 * oldest first (keys are uuidv7 ids) in batches on the bus' confirm channel, then removes the
 * confirmed ones in one transaction. While anything is spooled, new events go behind it, so a down
 * broker costs one failed publish, not one per request. The spool's size is a counter (read from
 * LMDB once at open), since getCount() walks the whole range. close() waits for every publish in
 * flight to be confirmed or spooled. What survives which failure: ADR 0005. At-least-once: an event
 * confirmed just before a crash, and not yet removed, is sent again; ingest deduplicates by id.
 */
export function createSpooledUsagePublisher(
  inner: UsagePublisher,
  options: UsageSpoolOptions,
): SpooledPublisher {
  const db = open<unknown, string>({ path: options.path, compression: false })
  const onError = options.onError ?? (() => {})
  const batchSize = options.batchSize ?? 500
  const spoolAfterMs = options.spoolAfterMs ?? 200
  let stored = db.getCount()
  const writing = new Set<Promise<void>>()
  const inFlight = new Set<Promise<void>>()
  let state: 'open' | 'closing' | 'closed' = 'open'
  let draining: Promise<number> | null = null
  const waiting = () => stored + writing.size

  const spool = (event: UsageEvent): Promise<void> => {
    const write = db
      .ifNoExists(event.id, () => {
        db.put(event.id, event)
      })
      .then(async (written) => {
        if (written) stored++
        await db.flushed
      })
    return track(writing, write)
  }

  // The bus has until spoolAfterMs to confirm; after that the event is also written to the spool,
  // so that only a short window of events lives in memory alone (ADR 0005, What survives what).
  const direct = async (event: UsageEvent) => {
    let late: Promise<void> | undefined
    const timer = setTimeout(() => {
      late = spool(event)
    }, spoolAfterMs)
    const confirmed = await inner.publish(event).then(
      () => true,
      (error: unknown) => {
        onError(error)
        return false
      },
    )
    clearTimeout(timer)
    if (!confirmed) return late ?? spool(event)
    // Confirmed after all: take it back, unless a drain has already sent it (ingest dedupes).
    if (late) await late.then(() => remove([event.id])).catch(onError)
  }

  /** The next events in key order; unreadable ones are removed with the next confirmed batch. */
  const nextBatch = (): { batch: Spooled[]; unreadable: string[] } => {
    const batch: Spooled[] = []
    const unreadable: string[] = []
    for (const { key, value } of db.getRange({ limit: batchSize })) {
      const parsed = usageEventSchema.safeParse(value)
      if (parsed.success) batch.push({ key, event: parsed.data })
      else {
        // Written by an older, incompatible version: keep it out of the way, and say so.
        onError(new Error(`usage spool: unreadable entry ${key} dropped`))
        unreadable.push(key)
      }
    }
    return { batch, unreadable }
  }

  const remove = async (keys: readonly string[]) => {
    if (keys.length === 0) return
    // Counted by what was there: a late event's confirm and a drain may both remove it.
    const removed = await db.transaction(() => keys.filter((key) => db.removeSync(key)).length)
    stored -= removed
  }

  async function drainOnce(): Promise<number> {
    let sent = 0
    while (state !== 'closed') {
      const { batch, unreadable } = nextBatch()
      if (batch.length === 0 && unreadable.length === 0) {
        // Events being written go behind those drained: wait for them rather than end the pass.
        if (writing.size === 0 || state === 'closing') return sent
        await Promise.allSettled(writing)
        continue
      }
      // One confirm channel keeps the batch in order on the queue; each event is confirmed alone.
      const results = await Promise.allSettled(batch.map(({ event }) => inner.publish(event)))
      const confirmed = batch.filter((_, i) => results[i]?.status === 'fulfilled').map(({ key }) => key)
      await remove([...confirmed, ...unreadable])
      sent += confirmed.length
      const refused = results.find((result) => result.status === 'rejected')
      if (refused) {
        onError(refused.reason)
        return sent
      }
      if (state === 'closing') return sent
    }
    return sent
  }

  const drain = () => {
    if (state === 'closed') return Promise.resolve(0)
    draining ??= drainOnce().finally(() => {
      draining = null
    })
    return draining
  }
  const timer = setInterval(() => {
    if (waiting() > 0) drain().catch(onError)
  }, options.drainIntervalMs ?? 1000)
  timer.unref()

  return {
    publish(event) {
      if (state === 'closed') {
        return Promise.reject(new AppError('USAGE_BUS_UNAVAILABLE', 'usage spool is closed'))
      }
      return track(inFlight, waiting() > 0 ? spool(event) : direct(event))
    },
    pending: waiting,
    drain,
    async close() {
      if (state !== 'open') return
      state = 'closing'
      clearInterval(timer)
      // A SIGTERM loses nothing: every event handed to publish is confirmed by the bus or on disk.
      while (inFlight.size > 0 || draining) await Promise.allSettled([...inFlight, draining])
      await db.flushed
      state = 'closed'
      await db.close()
      await inner.close()
    },
  }
}

/** Keeps `work` in `set` until it settles; returns it. */
function track(set: Set<Promise<void>>, work: Promise<void>): Promise<void> {
  set.add(work)
  void work.then(
    () => set.delete(work),
    () => set.delete(work),
  )
  return work
}
