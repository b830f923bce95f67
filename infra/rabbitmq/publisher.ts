import { type ChannelModel, type ConfirmChannel, connect, type Message } from 'amqplib'
import { AppError } from '../../domain/errors.ts'
import { withDeadline } from '../deadline.ts'
import type { UsageEvent, UsagePublisher } from '../ports/usage.ts'
import { busUnavailable, ignore, noAnswer } from './failures.ts'
import { assertUsageTopology } from './topology.ts'

export interface RabbitUsagePublisherOptions {
  /** Upper bound on one publish, connecting and the broker's confirm included. Default 2000 ms. */
  publishTimeoutMs?: number
}

interface Link {
  connection: ChannelModel
  channel: ConfirmChannel
}

// Publishes on a confirm channel: publish() resolves only once the broker has taken responsibility
// for the persistent message, so the router may forget the event. The connection is opened lazily
// and dropped on any error or close; the next publish opens a new one, so a broker that comes back
// is picked up without a reconnect loop running in the router.
export function createRabbitUsagePublisher(
  url: string,
  queue: string,
  options: RabbitUsagePublisherOptions = {},
): UsagePublisher {
  const timeoutMs = options.publishTimeoutMs ?? 2000
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

  return {
    async publish(event) {
      if (closed) throw new AppError('USAGE_BUS_UNAVAILABLE', 'usage publisher is closed')
      const body = Buffer.from(JSON.stringify(event))
      const published = currentLink().then(({ channel }) =>
        confirmPublish(channel, queue, event, body, returned),
      )
      await withDeadline(published, timeoutMs, noAnswer('publish', timeoutMs)).catch((error: unknown) => {
        throw busUnavailable(error)
      })
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
  const connection = await connect(url, { timeout: timeoutMs })
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

function confirmPublish(
  channel: ConfirmChannel,
  queue: string,
  event: UsageEvent,
  body: Buffer,
  returned: Set<string>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const properties = {
      persistent: true,
      mandatory: true,
      messageId: event.id,
      contentType: 'application/json',
      type: 'usage.v1',
    }
    channel.sendToQueue(queue, body, properties, (error: unknown) => {
      const unroutable = returned.delete(event.id)
      if (error) reject(error instanceof Error ? error : new Error('broker refused the message'))
      else if (unroutable) reject(new Error(`no queue ${queue} took the message`))
      else resolve()
    })
  })
}
