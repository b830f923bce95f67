import type { Channel } from 'amqplib'

// Declared identically by the publisher and the consumer (RabbitMQ refuses a redeclaration with
// different arguments), so whichever starts first creates it.
// Quorum queues: replicated and durable in a RabbitMQ cluster (classic mirrored queues are gone in
// 4.x), and they count deliveries, which bounds a poison message: after DELIVERY_LIMIT failed
// deliveries it is dead-lettered instead of looping forever. The consumer retries a failed batch
// in place without handing it back (consumer.ts) and dead-letters malformed or rejected events
// itself with a reason (dead-letter.ts), so the limit is only reached by a message redelivered
// again and again: consumers dying or losing their connection while holding it.
export const DELIVERY_LIMIT = 20

export const deadLetterQueueOf = (queue: string): string => `${queue}.dlq`

export async function assertUsageTopology(channel: Channel, queue: string): Promise<void> {
  const quorum = { 'x-queue-type': 'quorum' }
  await channel.assertQueue(deadLetterQueueOf(queue), { durable: true, arguments: quorum })
  await channel.assertQueue(queue, {
    durable: true,
    deadLetterExchange: '',
    deadLetterRoutingKey: deadLetterQueueOf(queue),
    arguments: { ...quorum, 'x-delivery-limit': DELIVERY_LIMIT },
  })
}
