import { open } from 'lmdb'
import { AppError } from '../../domain/errors.ts'
import type { BatchOutcome, UsageEvent, UsagePublisher } from '../ports/usage.ts'
import { usageEventSchema } from '../ports/usage-event-schema.ts'
import { createPublishWindow } from './publish-window.ts'

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
  /**
   * The most events published together on the bus, with one wait for their confirms. Default 256;
   * 1 sends each event alone (the path before issue 12, the benchmark's baseline).
   */
  publishBatchSize?: number
  /** How long a batch gathers events, ms. Default 0: those published in the same event-loop turn. */
  publishWindowMs?: number
  onError?: (error: unknown) => void
}

interface Spooled {
  key: string
  event: UsageEvent
}

/**
 * Bridges a bus outage: an event the bus refuses, or has not confirmed within spoolAfterMs, is
 * written to a local LMDB spool, and publish resolves only once that write is flushed to disk
 * (awaiting `flushed`: lmdb-js' default overlappingSync resolves a write at commit, before the
 * flush). Events published close together (the same event-loop turn, at most publishBatchSize)
 * travel as one batch: one publishBatch on the bus (one confirm wait), one spoolAfterMs timer, one
 * LMDB transaction if they are refused, and one promise that every publish of the batch returns; it
 * settles once every event of the batch is confirmed or on disk. A drain re-publishes spooled
 * events oldest first (keys are uuidv7 ids) in batches, then removes the confirmed ones in one
 * transaction. While anything is spooled, new batches go behind it, so a down broker costs one
 * failed publish, not one per request. The spool's size is a counter (read from LMDB once at
 * open), since getCount() walks the whole range. close() sends the open batch and waits for every
 * publish in flight to be confirmed or spooled. What survives which failure: ADR 0005.
 * At-least-once: an event confirmed just before a crash, and not yet removed, is sent again;
 * ingest deduplicates by id.
 */
export function createSpooledUsagePublisher(
  inner: UsagePublisher,
  options: UsageSpoolOptions,
): SpooledPublisher {
  const db = open<unknown, string>({ path: options.path, compression: false })
  const onError = options.onError ?? (() => {})
  const batchSize = options.batchSize ?? 500
  const spoolAfterMs = options.spoolAfterMs ?? 200
  const publishAll = batchesOf(inner)
  let stored = db.getCount()
  let beingWritten = 0
  const writing = new Set<Promise<void>>()
  const inFlight = new Set<Promise<void>>()
  let state: 'open' | 'closing' | 'closed' = 'open'
  let draining: Promise<number> | null = null
  const waiting = () => stored + beingWritten

  /** Writes the events not there yet, in one transaction, and resolves once it is flushed. */
  const spool = (events: readonly UsageEvent[]): Promise<void> => {
    beingWritten += events.length
    const write = db
      .transaction(() => {
        let written = 0
        for (const event of events) {
          if (db.doesExist(event.id)) continue
          db.putSync(event.id, event)
          written++
        }
        return written
      })
      .then(async (written) => {
        stored += written
        await db.flushed
      })
      .finally(() => {
        beingWritten -= events.length
      })
    return track(writing, write)
  }

  // The bus has until spoolAfterMs to confirm the batch; after that its events are also written to
  // the spool, so that only a short window of events lives in memory alone (ADR 0005).
  const direct = async (events: readonly UsageEvent[]) => {
    let late: Promise<void> | undefined
    const timer = setTimeout(() => {
      late = spool(events)
    }, spoolAfterMs)
    const outcome = await publishAll(events)
    clearTimeout(timer)
    const refused = events.filter((_, i) => outcome[i] !== undefined)
    if (refused.length > 0) onError(outcome.find((error) => error !== undefined))
    if (!late) return refused.length > 0 ? spool(refused) : undefined
    try {
      await late
    } catch (error) {
      if (refused.length > 0) throw error
      onError(error)
      return
    }
    // Confirmed after all: take them back, unless a drain has already sent them (ingest dedupes).
    const confirmed = events.filter((_, i) => outcome[i] === undefined).map((event) => event.id)
    await remove(confirmed).catch(onError)
  }

  const window = createPublishWindow(
    { maxEvents: options.publishBatchSize ?? 256, windowMs: options.publishWindowMs ?? 0 },
    (events) => track(inFlight, waiting() > 0 ? spool(events) : direct(events)),
  )

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
      // One confirm channel keeps the batch in order on the queue; one wait for all its confirms.
      const outcome = await publishAll(batch.map(({ event }) => event))
      const confirmed = batch.filter((_, i) => outcome[i] === undefined).map(({ key }) => key)
      await remove([...confirmed, ...unreadable])
      sent += confirmed.length
      const refused = outcome.find((error) => error !== undefined)
      if (refused) {
        onError(refused)
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
      const published = window.add(event)
      // Closing: send it now, so that close() sees it in flight.
      if (state === 'closing') window.flush()
      return published
    },
    pending: waiting,
    drain,
    async close() {
      if (state !== 'open') return
      state = 'closing'
      clearInterval(timer)
      window.flush()
      // A SIGTERM loses nothing: every event handed to publish is confirmed by the bus or on disk.
      while (inFlight.size > 0 || draining) await Promise.allSettled([...inFlight, draining])
      await db.flushed
      state = 'closed'
      await db.close()
      await inner.close()
    },
  }
}

/** The bus' own batches when it has them, else one publish per event, all at once. */
function batchesOf(inner: UsagePublisher): (events: readonly UsageEvent[]) => Promise<BatchOutcome> {
  if (inner.publishBatch) return inner.publishBatch.bind(inner)
  return async (events) => {
    const results = await Promise.allSettled(events.map((event) => inner.publish(event)))
    return results.map((result) => (result.status === 'fulfilled' ? undefined : asError(result.reason)))
  }
}

const asError = (reason: unknown): Error => (reason instanceof Error ? reason : new Error(String(reason)))

/** Keeps `work` in `set` until it settles; returns it. */
function track(set: Set<Promise<void>>, work: Promise<void>): Promise<void> {
  set.add(work)
  void work.then(
    () => set.delete(work),
    () => set.delete(work),
  )
  return work
}
