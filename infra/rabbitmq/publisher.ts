import { type ChannelModel, type ConfirmChannel, connect, type Message } from 'amqplib'
import { AppError } from '../../domain/errors.ts'
import { withDeadline } from '../deadline.ts'
import type { BatchOutcome, UsageEvent, UsagePublisher } from '../ports/usage.ts'
import { ConfirmBatch } from './confirm-batch.ts'
import { ignore, noAnswer } from './failures.ts'
import { assertUsageTopology } from './topology.ts'
import { DEFAULT_PACK_BOUNDS, type PackBounds } from './usage-pack.ts'

export interface RabbitUsagePublisherOptions {
  /**
   * Upper bound on one publish or one batch, connecting and the broker's confirms included.
   * Default 2000 ms.
   */
  publishTimeoutMs?: number
  /**
   * The most events (default 64) and body bytes (default 64 KB) in one message of a batch
   * (usage-pack.ts). `{ maxEvents: 1 }` sends every event alone, in the format consumers older than
   * packs read: for a fleet whose ingest is not upgraded yet (ADR 0004).
   */
  pack?: Partial<PackBounds>
}

interface Link {
  connection: ChannelModel
  channel: ConfirmChannel
}

// Publishes on a confirm channel: publish() resolves only once the broker has taken responsibility
// for the persistent message, so the router may forget the event. The connection is opened lazily
// and dropped on any error or close; the next publish opens a new one, so a broker that comes back
// is picked up without a reconnect loop running in the router. publishBatch sends many events
// packed several to a message (usage-pack.ts), back to back on the channel, and waits once for all
// their confirms (confirm-batch.ts); publish is a batch of one, sent as a plain event.
export function createRabbitUsagePublisher(
  url: string,
  queue: string,
  options: RabbitUsagePublisherOptions = {},
): UsagePublisher {
  const timeoutMs = options.publishTimeoutMs ?? 2000
  const bounds: PackBounds = { ...DEFAULT_PACK_BOUNDS, ...options.pack }
  // Mandatory messages that no queue took come back as basic.return, before their confirm.
  const returned = new Set<string>()
  let link: Promise<Link> | undefined
  let generation = 0
  let closed = false

  const currentLink = (): Promise<Link> => {
    if (link) return link
    const mine = ++generation
    const lost = () => {
      if (generation === mine) link = undefined
    }
    const opening = openLink(url, queue, timeoutMs, lost, (message) => {
      const id = message.properties.messageId
      if (typeof id === 'string') returned.add(id)
    })
    opening.catch(lost)
    link = opening
    return opening
  }

  const publishBatch = (events: readonly UsageEvent[]): Promise<BatchOutcome> => {
    if (closed) {
      const error = new AppError('USAGE_BUS_UNAVAILABLE', 'usage publisher is closed')
      return Promise.resolve(events.map(() => error))
    }
    return new Promise((resolve) => {
      // One deadline for the batch, connecting included, whatever its size.
      const batch = new ConfirmBatch(events, timeoutMs, noAnswer('publish', timeoutMs), resolve)
      currentLink().then(
        ({ channel }) => batch.send(channel, queue, returned, bounds),
        (error: unknown) => batch.fail(error),
      )
    })
  }

  return {
    publishBatch,
    async publish(event) {
      const [error] = await publishBatch([event])
      if (error) throw error
    },
    async close() {
      closed = true
      const open = link
      link = undefined
      if (!open) return
      await withDeadline(
        open.then(({ connection }) => connection.close()),
        timeoutMs,
        noAnswer('close', timeoutMs),
      ).catch(ignore)
    },
  }
}

async function openLink(
  url: string,
  queue: string,
  timeoutMs: number,
  lost: () => void,
  onReturn: (message: Message) => void,
): Promise<Link> {
  const connection = await connect(url, { timeout: timeoutMs, noDelay: true })
  // 'error' is always followed by 'close'; the listener only keeps an error event from crashing us.
  connection.on('error', ignore)
  connection.on('close', lost)
  try {
    const channel = await connection.createConfirmChannel()
    channel.on('error', ignore)
    channel.on('close', () => {
      lost()
      connection.close().catch(ignore)
    })
    channel.on('return', (message: Message) => {
      onReturn(message)
      // The queue is gone (deleted by an operator?): publish on a fresh link, which re-asserts it,
      // and retire this one once its outstanding confirms are in.
      lost()
      channel
        .waitForConfirms()
        .catch(ignore)
        .finally(() => connection.close().catch(ignore))
    })
    await assertUsageTopology(channel, queue)
    return { connection, channel }
  } catch (error) {
    connection.close().catch(ignore)
    throw error
  }
}
