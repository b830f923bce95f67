import type { ConsumeMessage } from 'amqplib'
import { type ParsedUsageMessage, parseUsageMessage } from '../ports/usage-event-schema.ts'
import { eventBodiesOf } from './usage-pack.ts'

// How the consumer turns messages into the events it batches, and which messages a handled batch
// lets it ack. Pure (the channel is only carried), so the ack rule has a property test of its own
// (tests/infra/rabbitmq/pack-deliveries.unit.test.ts).

/**
 * One event as delivered (a plain message, or one line of a pack), with the message and channel
 * that must settle it. Batches count these, so the ingest's batch bound is in events.
 */
export interface Delivery<C> {
  channel: C
  message: ConsumeMessage
  parsed: ParsedUsageMessage
  /** An event cut from a pack: its own bytes and line number (what its dead letter carries). */
  line?: { body: Buffer; index: number }
  /** The message's last event: once it is handled, every event of the message is. */
  last: boolean
}

/** The events a message carries, each parsed on its own; a pack in an unknown format is one bad delivery. */
export function deliveriesOf<C>(channel: C, message: ConsumeMessage): Delivery<C>[] {
  const read = eventBodiesOf(message.content, message.properties)
  if (!read.ok) return [{ channel, message, parsed: { ok: false, reason: read.reason }, last: true }]
  if (!read.pack) return [{ channel, message, parsed: parseUsageMessage(message.content), last: true }]
  const last = read.bodies.length - 1
  return read.bodies.map((body, index) => ({
    channel,
    message,
    parsed: parseUsageMessage(body),
    line: { body, index },
    last: index === last,
  }))
}

/**
 * The last message of each channel (one, unless the connection was re-opened midway) whose every
 * event has been handled, by this batch or earlier ones (batches run one at a time, in delivery
 * order): acking it with allUpTo settles them all. A pack whose last events are still waiting for
 * the next batch stays unacked.
 */
export function lastWholePerChannel<C>(batch: readonly Delivery<C>[]): Delivery<C>[] {
  const last = new Map<C, Delivery<C>>()
  for (const delivery of batch) if (delivery.last) last.set(delivery.channel, delivery)
  return [...last.values()]
}
