import { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, connect } from 'amqplib'
import { AppError } from '../../domain/errors.ts'
import { BatchLoop } from '../batch-loop.ts'
import { withDeadline } from '../deadline.ts'
import type { UsageBatchHandler, UsageConsumer, UsageConsumerBatching } from '../ports/usage.ts'
import { type DeadLetter, publishDeadLetters } from './dead-letter.ts'
import { busUnavailable, ignore, noAnswer } from './failures.ts'
import { type Delivery, deliveriesOf, lastWholePerChannel } from './pack-deliveries.ts'
import { FIRST_EVENTS_PER_MESSAGE, prefetchFor, worthRetuning } from './prefetch.ts'
import { assertUsageTopology, deadLetterQueueOf } from './topology.ts'

/** Structural subset of a pino logger, so ingest can pass its own. */
export interface UsageBusLogger {
  warn(details: Record<string, unknown>, message: string): void
}

export interface RabbitUsageConsumerOptions extends Partial<UsageConsumerBatching> {
  /**
   * Unacknowledged messages in flight at once, fixed. Default: adapted to the events per message
   * seen, so that about 2 × maxEvents events are in flight (prefetch.ts), between 8 and
   * 2 × maxEvents messages (maxEvents default 500).
   */
  prefetch?: number
  /** First wait before a failed batch is handled again; doubles per failure. Default 1000 ms. */
  retryDelayMs?: number
  /** Cap of that wait. Default 30 000 ms. */
  maxRetryDelayMs?: number
  /** Bound on connecting (and on start). Default 5000 ms. */
  connectTimeoutMs?: number
  /** Bound on waiting for the running batch in close(), and on depth(). Default 5000 ms. */
  closeTimeoutMs?: number
  logger?: UsageBusLogger
}

interface Link {
  connection: ChannelModel
  channel: Channel
  /** For dead letters: published with confirms before the originals are acked. */
  confirms: ConfirmChannel
  consumerTag?: string
  /** The prefetch its consumer was started with. */
  prefetch: number
}

type Settings = Required<Omit<RabbitUsageConsumerOptions, 'logger'>> & { tunePrefetch: boolean }

const consoleLogger: UsageBusLogger = { warn: (details, message) => console.warn(message, details) }

// At-least-once in batches: the events of each message (one, or a pack's: usage-pack.ts) are batched
// in order (infra/batch-loop.ts) and acked once handle resolved, one ack up to the last message
// whose every event is in this batch or an earlier one (batches run one at a time, in delivery
// order, and malformed bodies travel in them too). A pack that straddles two batches is acked after
// the second: if the process dies between, the whole pack is redelivered and the handler's dedupe
// by event id skips the events the first batch stored. A batch whose
// handler throws is retried in place with back-off while its messages stay unacked (prefetch
// throttles the broker instead of spinning on a failing database). A malformed body, or an event
// the handler rejects, is published to `<queue>.dlq` with its reason (dead-letter.ts), then acked;
// in a pack, such an event is dead-lettered alone and the pack's other events are stored.
// A lost connection is re-opened with back-off until close(); deliveries unacked at that moment
// are redelivered by the broker (the handler dedupes).
export function createRabbitUsageConsumer(
  url: string,
  queue: string,
  options: RabbitUsageConsumerOptions = {},
): UsageConsumer {
  return new RabbitUsageConsumer(url, queue, options)
}

function settingsOf(options: RabbitUsageConsumerOptions): Settings {
  const maxEvents = options.maxEvents ?? 500
  return {
    maxEvents,
    maxWaitMs: options.maxWaitMs ?? 200,
    idleMs: options.idleMs ?? 1000,
    prefetch: options.prefetch ?? 2 * maxEvents,
    tunePrefetch: options.prefetch === undefined,
    retryDelayMs: options.retryDelayMs ?? 1000,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    closeTimeoutMs: options.closeTimeoutMs ?? 5000,
  }
}

class RabbitUsageConsumer implements UsageConsumer {
  readonly #url: string
  readonly #queue: string
  readonly #settings: Settings
  readonly #logger: UsageBusLogger
  readonly #stopping = new AbortController()
  #loop: BatchLoop<Delivery<Channel>> | undefined
  #link: Link | undefined
  #reconnectTimer: NodeJS.Timeout | undefined
  #reconnectAttempt = 0
  /** Events per message in the last batch (packs carry many); sets the prefetch. */
  #eventsPerMessage = FIRST_EVENTS_PER_MESSAGE
  #retuning = false

  constructor(url: string, queue: string, options: RabbitUsageConsumerOptions) {
    this.#url = url
    this.#queue = queue
    this.#settings = settingsOf(options)
    this.#logger = options.logger ?? consoleLogger
  }

  async start(handle: UsageBatchHandler): Promise<void> {
    if (this.#loop) throw new AppError('USAGE_CONSUMER_STARTED', 'usage consumer already started')
    if (this.#stopping.signal.aborted) throw new AppError('USAGE_BUS_UNAVAILABLE', 'usage consumer is closed')
    const loop = this.#newLoop(handle)
    this.#loop = loop
    const bound = this.#settings.connectTimeoutMs
    await withDeadline(this.#subscribe(), bound, noAnswer('start', bound)).catch(async (error: unknown) => {
      this.#loop = undefined
      await loop.stop(0)
      const stale = this.#link
      this.#link = undefined
      stale?.connection.close().catch(ignore)
      throw busUnavailable(error)
    })
  }

  async depth(): Promise<number | null> {
    const link = this.#link
    if (!link) return null
    const bound = this.#settings.closeTimeoutMs
    const checked = withDeadline(link.channel.checkQueue(this.#queue), bound, noAnswer('checkQueue', bound))
    return checked.then(
      (ok) => ok.messageCount,
      () => null,
    )
  }

  async close(): Promise<void> {
    this.#stopping.abort()
    clearTimeout(this.#reconnectTimer)
    const open = this.#link
    this.#link = undefined
    const bound = this.#settings.closeTimeoutMs
    if (open?.consumerTag !== undefined) {
      await withDeadline(open.channel.cancel(open.consumerTag), bound, noAnswer('cancel', bound)).catch(
        ignore,
      )
    }
    // Let the running batch finish (and ack); hand back what was not handled. Closing the
    // connection would return them too; nacking says so at once.
    const unsettled = (await this.#loop?.stop(bound)) ?? []
    // Once per message: a pack's events share it, and a second nack of a tag closes the channel.
    const messages = new Map(unsettled.map(({ channel, message }) => [message, channel]))
    for (const [message, channel] of messages) settle(() => channel.nack(message, false, true))
    if (open) await withDeadline(open.connection.close(), bound, noAnswer('close', bound)).catch(ignore)
  }

  #newLoop(handle: UsageBatchHandler): BatchLoop<Delivery<Channel>> {
    const { maxEvents, maxWaitMs, idleMs, retryDelayMs, maxRetryDelayMs } = this.#settings
    const batching = { maxItems: maxEvents, maxWaitMs, idleMs, retryDelayMs, maxRetryDelayMs }
    const failed = (error: unknown, retryInMs: number | null) => {
      const details = { queue: this.#queue, error: String(error), retry_in_ms: retryInMs }
      this.#logger.warn(
        details,
        retryInMs === null ? 'usage idle handler failed' : 'usage batch failed, retrying',
      )
    }
    return new BatchLoop(batching, (batch) => this.#handleBatch(handle, batch), failed)
  }

  async #handleBatch(handle: UsageBatchHandler, batch: readonly Delivery<Channel>[]): Promise<void> {
    const events = batch.flatMap(({ parsed }) => (parsed.ok ? [parsed.event] : []))
    if (batch.length === 0) {
      // Disconnected, "everything delivered is stored" would be true but misleading: events may be
      // waiting in the queue. No heartbeat then, so freshness stops advancing.
      if (this.#link) await handle([])
      return
    }
    const outcome = events.length > 0 ? await handle(events) : { rejected: [] }
    const reasons = new Map(outcome.rejected.map(({ id, reason }) => [id, reason]))
    const letters = batch.flatMap(({ message, parsed, line }): DeadLetter[] => {
      const reason = parsed.ok ? reasons.get(parsed.event.id) : parsed.reason
      return reason === undefined ? [] : [{ message, reason, ...(line && { line }) }]
    })
    await this.#deadLetter(letters)
    for (const { channel, message } of lastWholePerChannel(batch)) settle(() => channel.ack(message, true))
    this.#eventsPerMessage = batch.length / new Set(batch.map(({ message }) => message)).size
    this.#retune()
  }

  #prefetchNow(): number {
    const { maxEvents, prefetch, tunePrefetch } = this.#settings
    return tunePrefetch ? prefetchFor(maxEvents, this.#eventsPerMessage, prefetch) : prefetch
  }

  // Off the batch's path: the next batch fills meanwhile from what is already delivered.
  #retune(): void {
    const link = this.#link
    if (!this.#settings.tunePrefetch || !link || link.consumerTag === undefined || this.#retuning) return
    const wanted = this.#prefetchNow()
    if (!worthRetuning(link.prefetch, wanted)) return
    this.#retuning = true
    this.#resubscribe(link, wanted)
      .catch((error: unknown) => {
        // A link lost meanwhile is re-opened with the new prefetch anyway: only say so otherwise.
        if (this.#link !== link) return
        const details = { queue: this.#queue, error: String(error) }
        this.#logger.warn(details, 'usage consumer prefetch change failed')
      })
      .finally(() => {
        this.#retuning = false
      })
  }

  // basic.qos only applies to consumers started after it: cancel, set, consume again. Deliveries
  // not acked yet stay with the channel and are acked as before.
  async #resubscribe(link: Link, prefetch: number): Promise<void> {
    if (link.consumerTag === undefined) return
    await link.channel.cancel(link.consumerTag)
    link.consumerTag = undefined
    if (this.#link !== link || this.#stopping.signal.aborted) return
    await link.channel.prefetch(prefetch)
    link.prefetch = prefetch
    await this.#consume(link)
  }

  async #consume(link: Link): Promise<void> {
    const deliver = (message: ConsumeMessage | null) => this.#deliver(link.channel, message)
    link.consumerTag = (await link.channel.consume(this.#queue, deliver, { noAck: false })).consumerTag
  }

  async #deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return
    const link = this.#link
    if (!link) throw new Error('usage consumer has no connection to dead-letter on')
    const dlq = deadLetterQueueOf(this.#queue)
    await publishDeadLetters(link.confirms, dlq, letters, new Date())
    for (const { message, reason, line } of letters) {
      const at = { message_id: message.properties.messageId, ...(line && { pack_index: line.index }) }
      const details = { queue: this.#queue, ...at, reason }
      this.#logger.warn(details, `usage message dead-lettered to ${dlq}`)
    }
  }

  async #subscribe(): Promise<void> {
    const { connectTimeoutMs } = this.#settings
    const prefetch = this.#prefetchNow()
    const opened = await openLink(this.#url, this.#queue, prefetch, connectTimeoutMs, (l) => this.#lost(l))
    // start() may have given up (deadline) or close() run while this link was opening.
    if (this.#stopping.signal.aborted || this.#loop === undefined) {
      opened.connection.close().catch(ignore)
      return
    }
    this.#link = opened
    await this.#consume(opened)
  }

  #lost(which: Link): void {
    if (this.#link !== which) return
    this.#link = undefined
    this.#logger.warn({ queue: this.#queue }, 'usage consumer lost its connection, reconnecting')
    which.connection.close().catch(ignore)
    this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    if (this.#stopping.signal.aborted || this.#reconnectTimer) return
    const delayMs = Math.min(250 * 2 ** this.#reconnectAttempt++, 5000)
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined
      this.#subscribe().then(
        () => {
          this.#reconnectAttempt = 0
        },
        (error: unknown) => {
          const details = { queue: this.#queue, error: String(error), attempt: this.#reconnectAttempt }
          this.#logger.warn(details, 'usage consumer reconnect failed')
          this.#scheduleReconnect()
        },
      )
    }, delayMs)
  }

  #deliver(channel: Channel, message: ConsumeMessage | null): void {
    // null: the broker cancelled the consumer (queue deleted); reconnecting re-declares the queue.
    if (message === null) {
      channel.close().catch(ignore)
      return
    }
    const deliveries = deliveriesOf(channel, message)
    const loop = this.#loop
    // Pushes of one message all succeed or all fail: the loop only stops between two deliveries.
    if (!loop || !deliveries.every((delivery) => loop.push(delivery))) {
      settle(() => channel.nack(message, false, true))
    }
  }
}

async function openLink(
  url: string,
  queue: string,
  prefetch: number,
  timeoutMs: number,
  lost: (link: Link) => void,
): Promise<Link> {
  const connection = await connect(url, { timeout: timeoutMs })
  connection.on('error', ignore)
  try {
    const channel = await connection.createChannel()
    channel.on('error', ignore)
    const confirms = await connection.createConfirmChannel()
    confirms.on('error', ignore)
    const link = { connection, channel, confirms, prefetch }
    connection.on('close', () => lost(link))
    channel.on('close', () => lost(link))
    confirms.on('close', () => lost(link))
    await channel.prefetch(prefetch)
    await assertUsageTopology(channel, queue)
    return link
  } catch (error) {
    connection.close().catch(ignore)
    throw error
  }
}

// ack/nack throw once the channel has closed; the broker then redelivers the message anyway.
function settle(acknowledge: () => void): void {
  try {
    acknowledge()
  } catch {
    // channel closed: nothing left to do
  }
}
