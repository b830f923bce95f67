import type { ConfirmChannel, Options } from 'amqplib'
import type { BatchOutcome, UsageEvent } from '../ports/usage.ts'
import { busUnavailable } from './failures.ts'

/**
 * One batch of usage events on its way through a confirm channel: one message per event (the
 * ingest consumer and its dead-letter path read one event per message), one deadline for the
 * whole batch, and one settle once every event is confirmed, refused or out of time. Before
 * batches, each event paid its own promise, deadline timer and race; now only amqplib's confirm
 * callback is per event, because a confirm carries no message id to tell which event it was.
 */
export class ConfirmBatch {
  readonly #events: readonly UsageEvent[]
  readonly #outcome: (Error | undefined)[]
  readonly #resolve: (outcome: BatchOutcome) => void
  readonly #timer: NodeJS.Timeout
  #waiting: number
  #done = false

  constructor(
    events: readonly UsageEvent[],
    timeoutMs: number,
    timeoutError: () => Error,
    resolve: (outcome: BatchOutcome) => void,
  ) {
    this.#events = events
    this.#waiting = events.length
    this.#resolve = resolve
    // An event not confirmed yet is, until its confirm comes, one the bus has not taken.
    this.#outcome = new Array<Error | undefined>(events.length).fill(NOT_CONFIRMED)
    this.#timer = setTimeout(() => this.#finish(busUnavailable(timeoutError())), timeoutMs)
    if (events.length === 0) this.#finish()
  }

  /** Writes every event to the channel in order; `returned` holds the ids the broker bounced. */
  send(channel: ConfirmChannel, queue: string, returned: Set<string>): void {
    for (let i = 0; i < this.#events.length && !this.#done; i++) {
      const event = this.#events[i] as UsageEvent
      try {
        channel.sendToQueue(
          queue,
          Buffer.from(JSON.stringify(event)),
          propertiesOf(event),
          (error: unknown) => {
            const unroutable = returned.delete(event.id)
            if (error)
              this.#settle(i, error instanceof Error ? error : new Error('broker refused the message'))
            else if (unroutable) this.#settle(i, new Error(`no queue ${queue} took the message`))
            else this.#settle(i, undefined)
          },
        )
      } catch (error) {
        // The channel closed under us: this event and the rest were never sent.
        this.fail(error)
        return
      }
    }
  }

  /** Every event not confirmed yet failed for `error` (the link could not be opened, …). */
  fail(error: unknown): void {
    this.#finish(busUnavailable(error))
  }

  #settle(index: number, error: Error | undefined): void {
    if (this.#done) return
    this.#outcome[index] = error === undefined ? undefined : busUnavailable(error)
    if (--this.#waiting === 0) this.#finish()
  }

  #finish(reason?: Error): void {
    if (this.#done) return
    this.#done = true
    clearTimeout(this.#timer)
    if (reason) {
      for (let i = 0; i < this.#outcome.length; i++) {
        if (this.#outcome[i] === NOT_CONFIRMED) this.#outcome[i] = reason
      }
    }
    this.#resolve(this.#outcome)
  }
}

const NOT_CONFIRMED = new Error('not confirmed yet')

function propertiesOf(event: UsageEvent): Options.Publish {
  return {
    persistent: true,
    mandatory: true,
    messageId: event.id,
    contentType: 'application/json',
    type: 'usage.v1',
  }
}
