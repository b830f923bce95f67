import { readCheckpoint } from '../../infra/event-store/checkpoints.ts'
import { readAll } from '../../infra/event-store/read.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { READ_MODELS } from '../read-models.ts'
import { nothingTouched, type Touched, touchedBy } from './touched.ts'

// The router's change feed: the event log up to the read-models checkpoint. A replica keeps the
// position up to which its caches are fresh; when the checkpoint moves past it, the events in
// between say which cached entries changed, and those are re-read from the read models (the
// truth, not the events). Reading the checkpoint rather than the head of the log guarantees the
// read models already hold what the events say. NOTIFY wakes the feed at once (wiring); the
// poll of the checkpoint covers a lost connection or a missed notification.

/** How often the checkpoint is read without a wake-up. */
export const FEED_POLL_MS = 250
const BATCH = 1000

export interface ChangeFeedOptions {
  db: Sql
  /** Up to where the caches are fresh (the local copy's), or null: start at the checkpoint. */
  position: bigint | null
  /** Refreshes what `touched` names; resolves once done, then the position moves to `upTo`. */
  apply(touched: Touched, upTo: bigint): Promise<void>
  pollMs?: number
  onError?: (error: unknown) => void
}

export interface ChangeFeed {
  position(): bigint | null
  /** Reads the checkpoint now (a NOTIFY came, or a command's response waits for this replica). */
  wake(): Promise<void>
  close(): Promise<void>
}

/** After a rebuild reset the checkpoint behind the replica: everything is re-read. */
const everything = (): Touched => ({ ...nothingTouched(), allKeys: true, allModels: true })

export function startChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { db, apply } = options
  let position = options.position
  let rewound = false
  let closed = false

  async function pass(): Promise<void> {
    if (closed) return
    const checkpoint = await readCheckpoint(db, READ_MODELS)
    if (position === null || rewound) {
      if (rewound && checkpoint < (position ?? 0n)) return
      await apply(position === null ? nothingTouched() : everything(), checkpoint)
      position = checkpoint
      rewound = false
      return
    }
    if (checkpoint < position) {
      rewound = true
      return
    }
    while (position < checkpoint && !closed) {
      const events = await readAll(db, { after: position, limit: BATCH })
      const fresh = events.filter((e) => e.global_position <= checkpoint)
      const last = fresh.at(-1)
      if (!last) return
      await apply(touchedBy(fresh), last.global_position)
      position = last.global_position
    }
  }

  // One pass at a time; wake-ups during a pass coalesce into one more pass after it.
  let current: Promise<void> = Promise.resolve()
  let queued: Promise<void> | null = null
  const wake = (): Promise<void> => {
    queued ??= current.then(() => {
      queued = null
      return pass()
    })
    current = queued.catch(() => {})
    return queued
  }
  const onError = options.onError ?? (() => {})
  const timer = setInterval(() => wake().catch(onError), options.pollMs ?? FEED_POLL_MS)
  timer.unref()
  wake().catch(onError)
  return {
    position: () => position,
    wake,
    async close() {
      closed = true
      clearInterval(timer)
      await current
    },
  }
}
