import { setTimeout as sleep } from 'node:timers/promises'
import { type Channel, type ChannelModel, type ConsumeMessage, connect } from 'amqplib'
import { AppError } from '../../domain/errors.ts'
import { withDeadline } from '../deadline.ts'
import type { UsageConsumer, UsageEvent } from '../ports/usage.ts'
import { parseUsageMessage } from '../ports/usage-event-schema.ts'
import { busUnavailable, ignore, noAnswer } from './failures.ts'
import { assertUsageTopology, deadLetterQueueOf } from './topology.ts'

/** Structural subset of a pino logger, so ingest can pass its own. */
export interface UsageBusLogger {
  warn(details: Record<string, unknown>, message: string): void
}

export interface RabbitUsageConsumerOptions {
  /** Unacknowledged messages in flight at once. Default 32. */
  prefetch?: number
  /** First wait before a failed event is handed back to the queue; doubles per delivery. Default 1000 ms. */
  retryDelayMs?: number
  /** Cap of that wait. Default 30 000 ms. */
  maxRetryDelayMs?: number
  /** Bound on connecting (and on start). Default 5000 ms. */
  connectTimeoutMs?: number
  /** Bound on waiting for in-flight handlers in close(). Default 5000 ms. */
  closeTimeoutMs?: number
  logger?: UsageBusLogger
}

type Handle = (event: UsageEvent) => Promise<void>

interface Link {
  connection: ChannelModel
  channel: Channel
  consumerTag?: string
}

const consoleLogger: UsageBusLogger = { warn: (details, message) => console.warn(message, details) }

// At-least-once: a message is acked only after handle resolves; a handler failure is nacked with
// requeue after a back-off (the message stays unacked meanwhile, which also throttles the consumer
// through prefetch instead of spinning on a failing database); a body that is not a UsageEvent is
// nacked without requeue, which dead-letters it to `<queue>.dlq`. A lost connection is re-opened
// with back-off until close(); deliveries unacked at that moment are redelivered by the broker.
export function createRabbitUsageConsumer(
  url: string,
  queue: string,
  options: RabbitUsageConsumerOptions = {},
): UsageConsumer {
  return new RabbitUsageConsumer(url, queue, options)
}

class RabbitUsageConsumer implements UsageConsumer {
  readonly #url: string
  readonly #queue: string
  readonly #settings: Required<Omit<RabbitUsageConsumerOptions, 'logger'>>
  readonly #logger: UsageBusLogger
  readonly #stopping = new AbortController()
  readonly #inFlight = new Set<Promise<void>>()
  #handle: Handle | undefined
  #link: Link | undefined
  #reconnectTimer: NodeJS.Timeout | undefined
  #reconnectAttempt = 0

  constructor(url: string, queue: string, options: RabbitUsageConsumerOptions) {
    this.#url = url
    this.#queue = queue
    this.#settings = {
      prefetch: options.prefetch ?? 32,
      retryDelayMs: options.retryDelayMs ?? 1000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      closeTimeoutMs: options.closeTimeoutMs ?? 5000,
    }
    this.#logger = options.logger ?? consoleLogger
  }

  async start(handle: Handle): Promise<void> {
    if (this.#handle) throw new AppError('USAGE_CONSUMER_STARTED', 'usage consumer already started')
    if (this.#stopping.signal.aborted) throw new AppError('USAGE_BUS_UNAVAILABLE', 'usage consumer is closed')
    this.#handle = handle
    const bound = this.#settings.connectTimeoutMs
    await withDeadline(this.#subscribe(), bound, noAnswer('start', bound)).catch((error: unknown) => {
      this.#handle = undefined
      const stale = this.#link
      this.#link = undefined
      stale?.connection.close().catch(ignore)
      throw busUnavailable(error)
    })
  }

  async close(): Promise<void> {
    this.#stopping.abort()
    clearTimeout(this.#reconnectTimer)
    const open = this.#link
    this.#link = undefined
    if (!open) return
    // Stop new deliveries, let running handlers ack (those waiting to retry nack at once), then
    // close; whatever is still unacked is redelivered by the broker to another consumer.
    const bound = this.#settings.closeTimeoutMs
    if (open.consumerTag !== undefined) {
      await withDeadline(open.channel.cancel(open.consumerTag), bound, noAnswer('cancel', bound)).catch(
        ignore,
      )
    }
    await withDeadline(Promise.allSettled(this.#inFlight), bound, noAnswer('drain', bound)).catch(ignore)
    await withDeadline(open.connection.close(), bound, noAnswer('close', bound)).catch(ignore)
  }

  async #subscribe(): Promise<void> {
    const { prefetch, connectTimeoutMs } = this.#settings
    const opened = await openLink(this.#url, this.#queue, prefetch, connectTimeoutMs, (l) => this.#lost(l))
    // start() may have given up (deadline) or close() run while this link was opening.
    if (this.#stopping.signal.aborted || this.#handle === undefined) {
      opened.connection.close().catch(ignore)
      return
    }
    this.#link = opened
    const deliver = (message: ConsumeMessage | null) => this.#deliver(opened.channel, message)
    opened.consumerTag = (await opened.channel.consume(this.#queue, deliver, { noAck: false })).consumerTag
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
    const handle = this.#handle
    if (handle === undefined) {
      settle(() => channel.nack(message, false, true))
      return
    }
    const work = this.#process(channel, message, handle)
    this.#inFlight.add(work)
    void work.finally(() => this.#inFlight.delete(work))
  }

  async #process(channel: Channel, message: ConsumeMessage, handle: Handle): Promise<void> {
    const parsed = parseUsageMessage(message.content)
    if (!parsed.ok) {
      const { messageId } = message.properties
      const details = { queue: this.#queue, message_id: messageId, reason: parsed.reason }
      this.#logger.warn(details, `malformed usage message dead-lettered to ${deadLetterQueueOf(this.#queue)}`)
      return settle(() => channel.nack(message, false, false))
    }
    try {
      await handle(parsed.event)
      settle(() => channel.ack(message))
    } catch (error) {
      const { retryDelayMs, maxRetryDelayMs } = this.#settings
      const delayMs = retryDelay(message, retryDelayMs, maxRetryDelayMs)
      const details = {
        queue: this.#queue,
        event_id: parsed.event.id,
        delay_ms: delayMs,
        error: String(error),
      }
      this.#logger.warn(details, 'usage handler failed, requeueing')
      await sleep(delayMs, undefined, { signal: this.#stopping.signal }).catch(ignore)
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
    const link = { connection, channel }
    connection.on('close', () => lost(link))
    channel.on('close', () => lost(link))
    await channel.prefetch(prefetch)
    await assertUsageTopology(channel, queue)
    return link
  } catch (error) {
    connection.close().catch(ignore)
    throw error
  }
}

// Quorum queues count earlier deliveries in x-delivery-count; back off exponentially on it.
function retryDelay(message: ConsumeMessage, baseMs: number, maxMs: number): number {
  const count = message.properties.headers?.['x-delivery-count']
  const attempts = typeof count === 'number' && Number.isFinite(count) ? count : 0
  return Math.min(baseMs * 2 ** Math.min(attempts, 30), maxMs)
}

// ack/nack throw once the channel has closed; the broker then redelivers the message anyway.
function settle(acknowledge: () => void): void {
  try {
    acknowledge()
  } catch {
    // channel closed: nothing left to do
  }
}
