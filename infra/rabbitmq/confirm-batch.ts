import type { ConfirmChannel, Options } from 'amqplib'
import type { BatchOutcome, UsageEvent } from '../ports/usage.ts'
import { busUnavailable } from './failures.ts'
import { type OutgoingPack, type PackBounds, packProperties, packsOf } from './usage-pack.ts'

/**
 * One batch of usage events on its way through a confirm channel: packed several to a message
 * (usage-pack.ts; the broker's cost is per message), one deadline for the whole batch, and one
 * settle once every pack is confirmed, refused or out of time. A pack's confirm or refusal is each
 * of its events' outcome. amqplib's confirm callback is per message, because a confirm carries no
 * message id to tell which message it was.
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

  /**
   * Writes the events to the channel in order, in packs within `bounds` (usage-pack.ts); `returned`
   * holds the message ids the broker bounced (a pack's id is its first event's).
   */
  send(channel: ConfirmChannel, queue: string, returned: Set<string>, bounds: PackBounds): void {
    for (const pack of packsOf(this.#events, bounds)) {
      if (this.#done) return
      const id = (this.#events[pack.first] as UsageEvent).id
      try {
        channel.sendToQueue(queue, pack.body, propertiesOf(id, pack.count), (error: unknown) => {
          const unroutable = returned.delete(id)
          if (error)
            this.#settle(pack, error instanceof Error ? error : new Error('broker refused the message'))
          else if (unroutable) this.#settle(pack, new Error(`no queue ${queue} took the message`))
          else this.#settle(pack, undefined)
        })
      } catch (error) {
        // The channel closed under us: this pack and the rest were never sent.
        this.fail(error)
        return
      }
    }
  }

  /** Every event not confirmed yet failed for `error` (the link could not be opened, …). */
  fail(error: unknown): void {
    this.#finish(busUnavailable(error))
  }

  /** One confirm (or refusal) settles every event of its pack. */
  #settle(pack: OutgoingPack, error: Error | undefined): void {
    if (this.#done) return
    const outcome = error === undefined ? undefined : busUnavailable(error)
    this.#outcome.fill(outcome, pack.first, pack.first + pack.count)
    this.#waiting -= pack.count
    if (this.#waiting === 0) this.#finish()
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

function propertiesOf(id: string, count: number): Options.Publish {
  return { persistent: true, mandatory: true, messageId: id, type: 'usage.v1', ...packProperties(count) }
}
