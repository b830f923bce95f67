import { setTimeout as sleep } from 'node:timers/promises'

export interface BatchLoopOptions {
  /** The most items in one batch. */
  maxItems: number
  /** The longest the first pending item waits for its batch to fill, ms. */
  maxWaitMs: number
  /** Quiet time (nothing pending or running) after which run gets an empty batch, ms. */
  idleMs: number
  /** First wait before a failed batch is run again; doubles per failure. */
  retryDelayMs: number
  /** Cap of that wait. */
  maxRetryDelayMs: number
}

/** Runs one batch; throwing runs the same batch again after a back-off (not for empty batches). */
export type RunBatch<T> = (items: readonly T[]) => Promise<void>
/** A failed run: retryInMs is null for an empty (idle) batch, which is not retried. */
export type BatchFailure = (error: unknown, retryInMs: number | null) => void

const ignore = (): void => {}

// The batching shared by both usage consumers (RabbitMQ and in-process): items are batched in
// arrival order, bounded by size and by the wait of the first pending item; one batch runs at a
// time (so settling a batch settles everything delivered before it); a failed batch is retried
// in place with doubling back-off, holding back the items behind it; a quiet loop runs an empty
// batch every idleMs so its owner can record that everything delivered so far is handled.
export class BatchLoop<T> {
  readonly #options: BatchLoopOptions
  readonly #run: RunBatch<T>
  readonly #failed: BatchFailure
  readonly #stopping = new AbortController()
  #pending: T[] = []
  #firstPendingAt = 0
  #current: readonly T[] = []
  #running: Promise<void> | undefined
  #fillTimer: NodeJS.Timeout | undefined
  #idleTimer: NodeJS.Timeout | undefined

  constructor(options: BatchLoopOptions, run: RunBatch<T>, failed: BatchFailure) {
    this.#options = options
    this.#run = run
    this.#failed = failed
    this.#schedule()
  }

  /** Items waiting for a batch (not the running one). */
  get pending(): number {
    return this.#pending.length
  }

  /** Queues an item; false once stopped (the caller hands it back). */
  push(item: T): boolean {
    if (this.#stopping.signal.aborted) return false
    if (this.#pending.length === 0) this.#firstPendingAt = performance.now()
    this.#pending.push(item)
    clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    this.#schedule()
    return true
  }

  /**
   * Stops batching and waits (up to waitMs) for the running batch; resolves with every item not
   * handled: the pending ones and a batch that did not finish (or was waiting to be retried).
   */
  async stop(waitMs: number): Promise<T[]> {
    this.#stopping.abort()
    clearTimeout(this.#fillTimer)
    clearTimeout(this.#idleTimer)
    if (this.#running) await Promise.race([this.#running, sleep(waitMs, undefined, { ref: false })])
    return [...this.#current, ...this.#pending.splice(0)]
  }

  #schedule(): void {
    if (this.#running || this.#stopping.signal.aborted) return
    const { maxItems, maxWaitMs, idleMs } = this.#options
    if (this.#pending.length >= maxItems) {
      this.#startBatch()
    } else if (this.#pending.length > 0) {
      if (this.#fillTimer) return
      const waitMs = Math.max(0, this.#firstPendingAt + maxWaitMs - performance.now())
      this.#fillTimer = setTimeout(() => this.#startBatch(), waitMs)
    } else if (!this.#idleTimer) {
      this.#idleTimer = setTimeout(() => this.#startIdle(), idleMs)
    }
  }

  #startBatch(): void {
    clearTimeout(this.#fillTimer)
    this.#fillTimer = undefined
    if (this.#running || this.#stopping.signal.aborted) return
    const batch = this.#pending.splice(0, this.#options.maxItems)
    this.#current = batch
    this.#track(this.#runUntilDone(batch))
  }

  #startIdle(): void {
    this.#idleTimer = undefined
    if (this.#running || this.#pending.length > 0 || this.#stopping.signal.aborted) return
    this.#track(this.#run([]).catch((error: unknown) => this.#failed(error, null)))
  }

  #track(work: Promise<void>): void {
    this.#running = work.finally(() => {
      this.#running = undefined
      this.#schedule()
    })
  }

  async #runUntilDone(batch: readonly T[]): Promise<void> {
    const { retryDelayMs, maxRetryDelayMs } = this.#options
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#run(batch)
        this.#current = []
        return
      } catch (error) {
        if (this.#stopping.signal.aborted) return
        const delayMs = Math.min(retryDelayMs * 2 ** Math.min(attempt, 30), maxRetryDelayMs)
        this.#failed(error, delayMs)
        await sleep(delayMs, undefined, { signal: this.#stopping.signal }).catch(ignore)
        if (this.#stopping.signal.aborted) return
      }
    }
  }
}
