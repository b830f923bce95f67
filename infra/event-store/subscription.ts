import { AppError } from '../../domain/errors.ts'
import type { Database, Sql } from '../ports/database.ts'
import type { EventStore, RecordedEvent } from '../ports/event-store.ts'
import { lockCheckpoint, readCheckpoint, saveCheckpoint, waitForCheckpoint } from './checkpoints.ts'

// Checkpointed subscriptions to the global log: read a batch with readAll (gap-free, ADR 0002),
// then apply it and move the checkpoint in one transaction, so a read model is never ahead of or
// behind its checkpoint. Delivery is at least once per batch attempt and exactly once per commit.
export { readCheckpoint, waitForCheckpoint }

export interface Projection {
  readonly name: string
  /** Writes through tx only: on PGlite, db.query() from inside the transaction would wait forever. */
  handle(events: readonly RecordedEvent[], tx: Sql): Promise<void>
}

/**
 * A subscriber that sends events out of the database (Kafka, webhooks). It is called outside any
 * transaction: a transaction holds a transaction id, and gap-free readers read only below the
 * oldest running one, so a forwarder waiting on a slow broker inside a transaction would hold
 * back every reader of the log. The checkpoint moves afterwards, if no other instance moved it;
 * a batch may thus be sent twice (at least once), never skipped.
 */
export interface Forwarder {
  readonly name: string
  forward(events: readonly RecordedEvent[]): Promise<void>
}

export type Subscriber = Projection | Forwarder

export interface Subscription {
  /** Stops polling; a batch in progress is finished (committed or rolled back) first. */
  stop(): Promise<void>
  /** Starts a pass now instead of at the next poll (call it after an in-process append). */
  wake(): void
  /** resolves to the checkpoint after one catch-up pass */
  catchUp(): Promise<bigint>
}

export interface SubscriptionOptions {
  batchSize?: number
  /** Poll interval while caught up; default 100 ms. */
  idleMs?: number
  /** Wait after a failed batch before retrying it; default 1000 ms. */
  retryMs?: number
  onError?: (e: unknown) => void
}

/** Returns the new checkpoint, or undefined when another instance moved it (nothing applied). */
async function applyBatch(
  db: Database,
  subscriber: Subscriber,
  events: readonly RecordedEvent[],
  from: bigint,
) {
  const to = events.at(-1)!.global_position
  if ('forward' in subscriber) await subscriber.forward(events)
  return db.transaction(async (tx) => {
    if ((await lockCheckpoint(tx, subscriber.name)) !== from) return undefined
    if ('handle' in subscriber) await subscriber.handle(events, tx)
    await saveCheckpoint(tx, subscriber.name, to)
    return to
  })
}

/** A sleep that wake() cuts short; a wake() while awake makes the next sleep return at once. */
class Sleeper {
  #wake: (() => void) | undefined
  #woken = false

  sleep(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#wake?.(), ms)
      this.#wake = () => {
        clearTimeout(timer)
        this.#wake = undefined
        resolve()
      }
    })
  }

  wake(): void {
    if (this.#wake) this.#wake()
    else this.#woken = true
  }
}

/** Runs tasks one after the other: the poll loop and catchUp() never apply batches side by side. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(task: () => Promise<T>): Promise<T> => {
    const result = tail.then(task)
    tail = result.catch(() => {})
    return result
  }
}

const reportToStderr = (name: string) => (error: unknown) =>
  console.error(`subscription ${name} failed:`, error)

class CheckpointedSubscription implements Subscription {
  readonly #db: Database
  readonly #store: EventStore
  readonly #projection: Subscriber
  readonly #options: SubscriptionOptions
  readonly #sleeper = new Sleeper()
  readonly #exclusive = serial()
  readonly #running: Promise<void>
  #stopped = false

  constructor(db: Database, store: EventStore, projection: Subscriber, options: SubscriptionOptions) {
    this.#db = db
    this.#store = store
    this.#projection = projection
    this.#options = options
    this.#running = this.#loop()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#sleeper.wake()
    await this.#running
    await this.#exclusive(async () => {})
  }

  wake(): void {
    this.#sleeper.wake()
  }

  catchUp(): Promise<bigint> {
    if (this.#stopped) {
      return Promise.reject(
        new AppError('SUBSCRIPTION_STOPPED', `subscription ${this.#projection.name} is stopped`),
      )
    }
    return this.#exclusive(() => this.#pass())
  }

  /** Read from the table each pass, so a reset (rebuild) or another instance's progress is seen. */
  async #pass(): Promise<bigint> {
    const name = this.#projection.name
    let checkpoint = await readCheckpoint(this.#db, name)
    for (;;) {
      const events = await this.#store.readAll({ after: checkpoint, limit: this.#options.batchSize ?? 100 })
      if (events.length === 0 || this.#stopped) return checkpoint
      const moved = await applyBatch(this.#db, this.#projection, events, checkpoint)
      // undefined: another instance (or a reset for a rebuild) moved the checkpoint; follow it.
      checkpoint = moved ?? (await readCheckpoint(this.#db, name))
    }
  }

  async #loop(): Promise<void> {
    const onError = this.#options.onError ?? reportToStderr(this.#projection.name)
    while (!this.#stopped) {
      let delay = this.#options.idleMs ?? 100
      try {
        await this.#exclusive(() => this.#pass())
      } catch (error) {
        onError(error)
        delay = this.#options.retryMs ?? 1000
      }
      if (!this.#stopped) await this.#sleeper.sleep(delay)
    }
  }
}

/** Starts polling at once; the first pass reads the checkpoint left by earlier runs. */
export function startSubscription(
  db: Database,
  store: EventStore,
  projection: Subscriber,
  options: SubscriptionOptions = {},
): Subscription {
  return new CheckpointedSubscription(db, store, projection, options)
}
