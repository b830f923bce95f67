import { EventEmitter } from 'node:events'
import type { Database } from '../../infra/ports/database.ts'
import { type Listener, listen } from '../../infra/postgres/listen.ts'
import { READ_MODELS_CHANNEL } from '../../projections/read-models.ts'

// Read-your-writes across processes without waiting on polls. When `aiaas identity` has stored a
// command, it NOTIFYs APPENDED_CHANNEL and the projector starts a pass at once instead of at its
// next poll; the projector's NOTIFY on READ_MODELS_CHANNEL after the batch then wakes the waiting
// response at once instead of at its next checkpoint read. Both polls stay as the fallback (a
// lost notification, a dropped LISTEN connection). The NOTIFY is a statement of its own after the
// command's transaction, never part of the append: PostgreSQL serializes the commits of notifying
// transactions (docs/benchmarks.md, event store), and the append is the hot path.

export const APPENDED_CHANNEL = 'aiaas_appended'

/** Tells a projector in another process that events were appended (best effort, not awaited). */
export function notifyAppended(db: Database): () => void {
  return () => {
    db.query('SELECT pg_notify($1, $2)', [APPENDED_CHANNEL, '']).catch(() => {})
  }
}

/** Calls `wake` whenever a command was appended (and when the LISTEN (re)connects). */
export function onAppended(url: string, wake: () => void, onError: (error: unknown) => void): Listener {
  return listen(url, APPENDED_CHANNEL, wake, onError)
}

/** Emits 'nudge' whenever the projector announces a batch: waitForCheckpoint's early wake-up. */
export function readModelsNudges(url: string, onError: (error: unknown) => void) {
  const nudges = new EventEmitter()
  // One listener per waiting response: many may wait at once.
  nudges.setMaxListeners(0)
  const listener = listen(url, READ_MODELS_CHANNEL, () => nudges.emit('nudge'), onError)
  return { nudges, ready: listener.ready, close: () => listener.close() }
}
